package dev.lorillama.runtime.grammar;

import dev.lorillama.runtime.grammar.JsonShape.Any;
import dev.lorillama.runtime.grammar.JsonShape.Array;
import dev.lorillama.runtime.grammar.JsonShape.FixedObject;
import dev.lorillama.runtime.grammar.JsonShape.FreeObject;
import dev.lorillama.runtime.grammar.JsonShape.Literal;
import dev.lorillama.runtime.grammar.JsonShape.Number;
import dev.lorillama.runtime.grammar.JsonShape.Ref;
import dev.lorillama.runtime.grammar.JsonShape.Text;
import dev.lorillama.runtime.grammar.JsonShape.Union;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Reads JSON one byte at a time and says which bytes may come next so that the text stays a
 * prefix of a value of the shape. A position is a set of {@link State}s (several while the
 * shape leaves a choice open: an {@code anyOf}, an enum's values, an optional property); each
 * state is immutable and compares by value, so positions can key a cache. What follows a value is
 * a stack of {@link Cont} frames (the object or array it is in); null is the end of the document.
 *
 * <p>The text is kept bounded where the model could otherwise run on with nothing to say:
 * at most {@value #MOST_SPACES} whitespace bytes in a row between tokens, at most
 * {@value #MOST_DIGITS} characters in a number. No whitespace after the document.
 */
public final class JsonMatcher {
    static final int MOST_SPACES = 8;
    static final int MOST_DIGITS = 24;

    private JsonMatcher() {}

    /** The position before any byte. */
    public static List<State> start(JsonShape shape) {
        return List.of(new ValueStart(shape, null, 0));
    }

    /** The position after {@code b}; empty when {@code b} cannot come next. Returns {@code states} itself when nothing changed. */
    public static List<State> advance(List<State> states, int b) {
        if (states.size() == 1) {
            State only = states.getFirst();
            if (only instanceof Str str && str.escape == 0 && b != '"' && b != '\\' && b >= 0x20) return states; // text inside a string
            List<State> out = new ArrayList<>(2);
            only.step(b, out);
            return out.size() <= 1 ? out : List.copyOf(new LinkedHashSet<>(out));
        }
        List<State> out = new ArrayList<>(states.size() + 2);
        for (State s : states) s.step(b, out);
        return out.size() <= 1 ? out : List.copyOf(new LinkedHashSet<>(out));
    }

    /** Whether the bytes so far are a whole document. */
    public static boolean complete(List<State> states) {
        for (State s : states) if (s.accepting()) return true;
        return false;
    }

    /** One way of reading the bytes so far. */
    public sealed interface State permits ValueStart, Str, Lit, Num, After, ObjKey, FreeKey, ArrItem, Accept {
        /** Adds the states after byte {@code b} to {@code out} (none: {@code b} cannot come next). */
        void step(int b, List<State> out);

        default boolean accepting() {
            return false;
        }
    }

    /** What comes after a value: the container it is in, then that container's own continuation. */
    record Cont(Frame frame, Cont next) {}

    /** A container waiting for a value to end. */
    sealed interface Frame permits NextProperty, NextFree, NextItem, ColonThen {}

    /** In a fixed object, after a property's value: properties from {@code from} on are still to come. */
    record NextProperty(FixedObject shape, int from) implements Frame {}

    record NextFree(FreeObject shape) implements Frame {}

    /** In an array after {@code count} items. */
    record NextItem(Array shape, int count) implements Frame {}

    /** After a key: a colon, then a value of {@code value}. */
    record ColonThen(JsonShape value) implements Frame {}

    private static boolean space(int b) {
        return b == ' ' || b == '\n' || b == '\t' || b == '\r';
    }

    /** The position right after a value ends, inside {@code cont}. */
    private static State resume(Cont cont) {
        return cont == null ? Accept.INSTANCE : new After(cont.frame, cont.next, 0);
    }

    /** The document is whole; nothing may follow. */
    enum Accept implements State {
        INSTANCE;

        @Override
        public void step(int b, List<State> out) {}

        @Override
        public boolean accepting() {
            return true;
        }
    }

    /** Before a value of {@code shape}, after {@code spaces} whitespace bytes. */
    record ValueStart(JsonShape shape, Cont cont, int spaces) implements State {
        @Override
        public void step(int b, List<State> out) {
            if (space(b)) {
                if (spaces < MOST_SPACES) out.add(new ValueStart(shape, cont, spaces + 1));
                return;
            }
            switch (shape) {
                case Any any -> {
                    if (b == '{') out.add(new FreeKey(JsonShape.FREE_OBJECT, true, cont, 0));
                    else if (b == '[') out.add(new ArrItem(JsonShape.FREE_ARRAY, 0, cont, 0));
                    else if (b == '"') out.add(new Str(cont, 0));
                    else if (b == 't') out.add(new Lit("true", 1, cont));
                    else if (b == 'f') out.add(new Lit("false", 1, cont));
                    else if (b == 'n') out.add(new Lit("null", 1, cont));
                    else Num.begin(false, b, cont, out);
                }
                case FixedObject o -> {
                    if (b == '{') out.add(new ObjKey(o, 0, true, cont, 0));
                }
                case FreeObject o -> {
                    if (b == '{') out.add(new FreeKey(o, true, cont, 0));
                }
                case Array a -> {
                    if (b == '[') out.add(new ArrItem(a, 0, cont, 0));
                }
                case Text t -> {
                    if (b == '"') out.add(new Str(cont, 0));
                }
                case Number n -> Num.begin(n.integer, b, cont, out);
                case Literal l -> new Lit(l.bytes, 0, cont).step(b, out);
                case Union u -> {
                    for (JsonShape alternative : u.alternatives) new ValueStart(alternative, cont, spaces).step(b, out);
                }
                case Ref r -> new ValueStart(r.target, cont, spaces).step(b, out);
            }
        }
    }

    /**
     * Inside a string: {@code escape} 0 plain, 1 after a backslash, 2..5 that many hex digits of a
     * {@code \\u} escape still to come, minus one.
     */
    record Str(Cont cont, int escape) implements State {
        @Override
        public void step(int b, List<State> out) {
            switch (escape) {
                case 0 -> {
                    if (b == '"') out.add(resume(cont));
                    else if (b == '\\') out.add(new Str(cont, 1));
                    else if (b >= 0x20) out.add(this); // control characters must be escaped
                }
                case 1 -> {
                    if ("\"\\/bfnrt".indexOf(b) >= 0) out.add(new Str(cont, 0));
                    else if (b == 'u') out.add(new Str(cont, 5));
                }
                default -> {
                    if (Character.digit(b, 16) >= 0) out.add(new Str(cont, escape == 2 ? 0 : escape - 1));
                }
            }
        }
    }

    /** Part of an exact text: {@code text.charAt(at)} (a byte) comes next. */
    record Lit(String text, int at, Cont cont) implements State {
        @Override
        public void step(int b, List<State> out) {
            if (text.charAt(at) != b) return;
            out.add(at + 1 == text.length() ? resume(cont) : new Lit(text, at + 1, cont));
        }
    }

    /**
     * A number, in one of JSON's phases: 0 after '-', 1 after a leading 0, 2 in integer digits,
     * 3 after '.', 4 in fraction digits, 5 after 'e', 6 after the exponent's sign, 7 in exponent
     * digits. Phases 1, 2, 4 and 7 are a whole number, which any other byte ends.
     */
    record Num(int phase, boolean integer, int length, Cont cont) implements State {
        static void begin(boolean integer, int b, Cont cont, List<State> out) {
            if (b == '-') out.add(new Num(0, integer, 1, cont));
            else if (b == '0') out.add(new Num(1, integer, 1, cont));
            else if (b >= '1' && b <= '9') out.add(new Num(2, integer, 1, cont));
        }

        private boolean whole() {
            return phase == 1 || phase == 2 || phase == 4 || phase == 7;
        }

        @Override
        public void step(int b, List<State> out) {
            boolean digit = b >= '0' && b <= '9';
            int next = -1;
            if (length < MOST_DIGITS) {
                next = switch (phase) {
                    case 0 -> b == '0' ? 1 : digit ? 2 : -1;
                    case 1 -> !integer && b == '.' ? 3 : !integer && (b == 'e' || b == 'E') ? 5 : -1;
                    case 2 -> digit ? 2 : !integer && b == '.' ? 3 : !integer && (b == 'e' || b == 'E') ? 5 : -1;
                    case 3, 4 -> digit ? 4 : phase == 4 && (b == 'e' || b == 'E') ? 5 : -1;
                    case 5 -> b == '+' || b == '-' ? 6 : digit ? 7 : -1;
                    default -> digit ? 7 : -1;
                };
            }
            if (next >= 0) out.add(new Num(next, integer, length + 1, cont));
            else if (whole()) resume(cont).step(b, out); // the number ended: the byte belongs to what follows
        }

        @Override
        public boolean accepting() {
            return cont == null && whole();
        }
    }

    /** After a value, inside {@code frame}, after {@code spaces} whitespace bytes. */
    record After(Frame frame, Cont next, int spaces) implements State {
        @Override
        public void step(int b, List<State> out) {
            if (space(b)) {
                if (spaces < MOST_SPACES) out.add(new After(frame, next, spaces + 1));
                return;
            }
            switch (frame) {
                case ColonThen c -> {
                    if (b == ':') out.add(new ValueStart(c.value(), next, 0));
                }
                case NextProperty p -> {
                    if (b == ',' && p.from() < p.shape().names.size()) out.add(new ObjKey(p.shape(), p.from(), false, next, 0));
                    else if (b == '}' && p.shape().noneRequiredFrom(p.from())) out.add(resume(next));
                }
                case NextFree f -> {
                    if (b == ',') out.add(new FreeKey(f.shape(), false, next, 0));
                    else if (b == '}') out.add(resume(next));
                }
                case NextItem i -> {
                    if (b == ',' && i.count() < i.shape().maxItems) out.add(new ArrItem(i.shape(), i.count(), next, 0));
                    else if (b == ']' && i.count() >= i.shape().minItems) out.add(resume(next));
                }
            }
        }
    }

    /**
     * In a fixed object where a key may come: any property from {@code from} on, as long as no
     * required one is skipped; or '}' after '{' when none is required.
     */
    record ObjKey(FixedObject shape, int from, boolean first, Cont cont, int spaces) implements State {
        @Override
        public void step(int b, List<State> out) {
            if (space(b)) {
                if (spaces < MOST_SPACES) out.add(new ObjKey(shape, from, first, cont, spaces + 1));
                return;
            }
            if (b == '}' && first && shape.noneRequiredFrom(from)) {
                out.add(resume(cont));
                return;
            }
            for (int i = from; i < shape.names.size(); i++) {
                Cont afterKey = new Cont(new ColonThen(shape.shapes.get(i)), new Cont(new NextProperty(shape, i + 1), cont));
                new Lit(shape.keys.get(i), 0, afterKey).step(b, out);
                if (shape.required.get(i)) break; // a required property cannot be skipped
            }
        }
    }

    /** In an object with free keys where a key may come (or '}' right after '{'). */
    record FreeKey(FreeObject shape, boolean first, Cont cont, int spaces) implements State {
        @Override
        public void step(int b, List<State> out) {
            if (space(b)) {
                if (spaces < MOST_SPACES) out.add(new FreeKey(shape, first, cont, spaces + 1));
            } else if (b == '}' && first) {
                out.add(resume(cont));
            } else if (b == '"') {
                out.add(new Str(new Cont(new ColonThen(shape.values), new Cont(new NextFree(shape), cont)), 0));
            }
        }
    }

    /** In an array after {@code count} items, where an item may come (or ']' right after '['). */
    record ArrItem(Array shape, int count, Cont cont, int spaces) implements State {
        @Override
        public void step(int b, List<State> out) {
            if (space(b)) {
                if (spaces < MOST_SPACES) out.add(new ArrItem(shape, count, cont, spaces + 1));
                return;
            }
            if (b == ']' && count == 0 && shape.minItems == 0) {
                out.add(resume(cont));
                return;
            }
            if (count < shape.maxItems) new ValueStart(shape.items, new Cont(new NextItem(shape, count + 1), cont), MOST_SPACES).step(b, out);
        }
    }
}
