package dev.lorillama.lori;

import dev.lorillama.runtime.UserInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads LoRI's published masks ({@code masks/0.9_mask.pt}: {@code torch.save} of a dict of bool
 * tensors) without torch. The file is a zip: {@code <name>/data.pkl} is a pickle (protocol 2)
 * whose tensors are {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)}
 * calls, each storage a persistent id {@code ('storage', torch.BoolStorage, key, 'cpu', numel)}
 * whose bytes are the entry {@code <name>/data/<key>}. Only what such a file holds is understood:
 * anything else (a class that is not a tensor, a dict or an OrderedDict) is refused with its name.
 */
final class TorchMaskFile {
    private TorchMaskFile() {}

    private record Global(String module, String name) {}

    private record StorageRef(String type, String key, long elements) {}

    private record Tensor(StorageRef storage, long offset, long[] shape, long[] stride) {}

    static boolean isZip(Path file) {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return in.read() == 'P' && in.read() == 'K';
        } catch (IOException e) {
            return false;
        }
    }

    /** Masks by key (LoRI's {@code ...lora_B.default.weight} keys), with their shapes. */
    static LoriMask read(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pickle = zip.stream().filter(e -> e.getName().endsWith("/data.pkl") || e.getName().equals("data.pkl"))
                    .findFirst().orElseThrow(() -> new UserInputException(file + ": a zip without data.pkl (not a torch.save file)"));
            String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
            Object root = unpickle(bounded(zip, pickle, file), file);
            if (!(root instanceof Map<?, ?> dict)) throw new UserInputException(file + ": holds a " + describe(root) + ", expected a dict of mask tensors");
            Map<String, boolean[]> masks = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : dict.entrySet()) {
                if (!(e.getKey() instanceof String key) || !(e.getValue() instanceof Tensor t)) {
                    throw new UserInputException(file + ": entry " + e.getKey() + " is a " + describe(e.getValue()) + ", expected a tensor");
                }
                if (t.shape().length != 2) throw new UserInputException(file + ": mask \"" + key + "\" must be 2-D, found " + t.shape().length + "-D");
                ZipEntry data = zip.getEntry(prefix + "data/" + t.storage().key());
                if (data == null) throw new UserInputException(file + ": no storage data/" + t.storage().key() + " for \"" + key + "\"");
                byte[] bytes = bounded(zip, data, file);
                masks.put(key, elements(file, key, t, bytes));
                shapes.put(key, t.shape().clone());
            }
            return new LoriMask(masks, shapes, Float.NaN);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read as a torch zip file: " + e.getMessage(), e);
        }
    }

    /** The tensor's entries in row-major order, non-zero meaning kept (bool, uint8 or float storages). */
    private static boolean[] elements(Path file, String key, Tensor t, byte[] bytes) {
        int width = switch (t.storage().type()) {
            case "BoolStorage", "ByteStorage" -> 1;
            case "FloatStorage" -> 4;
            default -> throw new UserInputException(file + ": mask \"" + key + "\" is a " + t.storage().type() + " tensor (expected bool)");
        };
        long elements = t.shape()[0] * t.shape()[1];
        if (t.shape()[0] < 0 || t.shape()[1] < 0 || t.shape()[0] > bytes.length || t.shape()[1] > bytes.length || elements > bytes.length / width) {
            throw new UserInputException(file + ": mask \"" + key + "\" of shape " + java.util.Arrays.toString(t.shape())
                    + " needs more than its storage's " + bytes.length + " bytes");
        }
        int rows = (int) t.shape()[0], cols = (int) t.shape()[1];
        boolean[] keep = new boolean[rows * cols];
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                long index = t.offset() + r * t.stride()[0] + c * t.stride()[1];
                if (index < 0 || (index + 1) * width > bytes.length) {
                    throw new UserInputException(file + ": mask \"" + key + "\" reaches past its storage");
                }
                keep[r * cols + c] = width == 1 ? bytes[(int) index] != 0 : buffer.getFloat((int) index * 4) != 0f;
            }
        }
        return keep;
    }

    /** No entry of a mask file comes near this; a larger (or lying) one is refused before it is inflated. */
    static final int MAX_ENTRY_BYTES = 1 << 28;

    private static byte[] bounded(ZipFile zip, ZipEntry entry, Path file) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes(MAX_ENTRY_BYTES + 1);
            if (bytes.length > MAX_ENTRY_BYTES) throw new UserInputException(file + ": " + entry.getName() + " inflates past " + (MAX_ENTRY_BYTES >> 20) + " MB");
            return bytes;
        }
    }

    /**
     * Runs the pickle program: the opcodes torch.save's protocol-2 pickles of tensor dicts use. A
     * program that reads past its end, pops an empty stack or hands an opcode the wrong kind of
     * value is a broken file: refused with the opcode's offset.
     */
    static Object unpickle(byte[] program, Path file) {
        ByteBuffer in = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        try {
            return run(in, file);
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException | ClassCastException | java.util.NoSuchElementException
                 | NullPointerException | IllegalArgumentException e) {
            throw new UserInputException(file + ": data.pkl is not a pickle of mask tensors (broken at byte " + in.position() + ")");
        }
    }

    private static Object run(ByteBuffer in, Path file) {
        Deque<Integer> marks = new ArrayDeque<>();
        List<Object> stackList = new ArrayList<>();
        Map<Integer, Object> memo = new HashMap<>();
        while (in.hasRemaining()) {
            int op = in.get() & 0xFF;
            switch (op) {
                case 0x80 -> in.get();                                     // PROTO
                case 0x95 -> in.getLong();                                 // FRAME
                case '}' -> push(stackList, new LinkedHashMap<Object, Object>()); // EMPTY_DICT
                case ']' -> push(stackList, new ArrayList<>());            // EMPTY_LIST
                case ')' -> push(stackList, new Object[0]);                // EMPTY_TUPLE
                case '(' -> marks.push(stackList.size());                  // MARK
                case 'X' -> push(stackList, string(in, in.getInt()));      // BINUNICODE
                case 0x8c -> push(stackList, string(in, in.get() & 0xFF)); // SHORT_BINUNICODE
                case 'T' -> push(stackList, string(in, in.getInt()));      // BINSTRING
                case 'U' -> push(stackList, string(in, in.get() & 0xFF));  // SHORT_BINSTRING
                case 'q' -> memo.put(in.get() & 0xFF, top(stackList));     // BINPUT
                case 'r' -> memo.put(in.getInt(), top(stackList));         // LONG_BINPUT
                case 0x94 -> memo.put(memo.size(), top(stackList));        // MEMOIZE
                case 'h' -> push(stackList, memo.get(in.get() & 0xFF));    // BINGET
                case 'j' -> push(stackList, memo.get(in.getInt()));        // LONG_BINGET
                case 'c' -> push(stackList, new Global(line(in), line(in))); // GLOBAL
                case 0x93 -> {                                             // STACK_GLOBAL
                    String name = (String) pop(stackList), module = (String) pop(stackList);
                    push(stackList, new Global(module, name));
                }
                case 'Q' -> push(stackList, persistent(file, pop(stackList))); // BINPERSID
                case 't' -> push(stackList, popToMark(stackList, marks).toArray()); // TUPLE
                case 0x85 -> push(stackList, new Object[] {pop(stackList)}); // TUPLE1
                case 0x86 -> {                                             // TUPLE2
                    Object b = pop(stackList), a = pop(stackList);
                    push(stackList, new Object[] {a, b});
                }
                case 0x87 -> {                                             // TUPLE3
                    Object c = pop(stackList), b = pop(stackList), a = pop(stackList);
                    push(stackList, new Object[] {a, b, c});
                }
                case 'J' -> push(stackList, (long) in.getInt());           // BININT
                case 'K' -> push(stackList, (long) (in.get() & 0xFF));     // BININT1
                case 'M' -> push(stackList, (long) (in.getShort() & 0xFFFF)); // BININT2
                case 0x8a -> push(stackList, long1(in));                   // LONG1
                case 0x88 -> push(stackList, Boolean.TRUE);                // NEWTRUE
                case 0x89 -> push(stackList, Boolean.FALSE);               // NEWFALSE
                case 'N' -> push(stackList, null);                         // NONE
                case 'G' -> push(stackList, Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // BINFLOAT (big-endian)
                case 'R' -> {                                              // REDUCE
                    Object[] args = (Object[]) pop(stackList);
                    push(stackList, reduce(file, pop(stackList), args));
                }
                case 's' -> {                                              // SETITEM
                    Object value = pop(stackList), key = pop(stackList);
                    dict(file, top(stackList)).put(key, value);
                }
                case 'u' -> {                                              // SETITEMS
                    List<Object> items = popToMark(stackList, marks);
                    Map<Object, Object> d = dict(file, top(stackList));
                    for (int i = 0; i + 1 < items.size(); i += 2) d.put(items.get(i), items.get(i + 1));
                }
                case 'b' -> pop(stackList);                                // BUILD: state of an OrderedDict (hooks): dropped
                case 'a' -> list(file, stackList).add(pop(stackList));     // APPEND
                case 'e' -> {                                              // APPENDS
                    List<Object> items = popToMark(stackList, marks);
                    list(file, stackList).addAll(items);
                }
                case '.' -> {                                              // STOP
                    return pop(stackList);
                }
                default -> throw new UserInputException(file + ": pickle opcode 0x" + Integer.toHexString(op)
                        + " is not one a torch mask file uses");
            }
        }
        throw new UserInputException(file + ": the pickle ends without STOP");
    }

    private static Object persistent(Path file, Object id) {
        if (!(id instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0]) || !(t[1] instanceof Global type)) {
            throw new UserInputException(file + ": a persistent id that is not a torch storage");
        }
        return new StorageRef(type.name(), String.valueOf(t[2]), ((Number) t[4]).longValue());
    }

    private static Object reduce(Path file, Object callable, Object[] args) {
        if (!(callable instanceof Global g)) throw new UserInputException(file + ": REDUCE of a " + describe(callable));
        String name = g.module() + "." + g.name();
        return switch (name) {
            case "collections.OrderedDict" -> new LinkedHashMap<Object, Object>();
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> new Tensor((StorageRef) args[0],
                    ((Number) args[1]).longValue(), longs(args[2]), longs(args[3]));
            default -> throw new UserInputException(file + ": holds a " + name + ", which is not part of a mask file");
        };
    }

    private static long[] longs(Object tuple) {
        Object[] t = (Object[]) tuple;
        long[] v = new long[t.length];
        for (int i = 0; i < t.length; i++) v[i] = ((Number) t[i]).longValue();
        return v;
    }

    private static long long1(ByteBuffer in) {
        int n = in.get() & 0xFF;
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) (in.get() & 0xFF) << (8 * i);
        if (n > 0 && n < 8 && (v >>> (8 * n - 1) & 1) != 0) v -= 1L << (8 * n);
        return v;
    }

    private static String string(ByteBuffer in, int length) {
        if (length < 0 || length > in.remaining()) throw new java.nio.BufferUnderflowException();
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String line(ByteBuffer in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b; (b = in.get()) != '\n'; ) out.write(b);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void push(List<Object> stack, Object o) {
        stack.add(o);
    }

    private static Object pop(List<Object> stack) {
        return stack.remove(stack.size() - 1);
    }

    private static Object top(List<Object> stack) {
        return stack.get(stack.size() - 1);
    }

    private static List<Object> popToMark(List<Object> stack, Deque<Integer> marks) {
        int mark = marks.pop();
        List<Object> items = new ArrayList<>(stack.subList(mark, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return items;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Path file, Object o) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw new UserInputException(file + ": SETITEM on a " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Path file, List<Object> stack) {
        if (top(stack) instanceof List<?> l) return (List<Object>) l;
        throw new UserInputException(file + ": APPEND on a " + describe(top(stack)));
    }

    private static String describe(Object o) {
        return o == null ? "None" : o instanceof Global g ? g.module() + "." + g.name() : o.getClass().getSimpleName();
    }
}
