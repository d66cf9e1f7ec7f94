package dev.lorillama.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every method of the runtime that takes or returns a vector must be small enough that the JIT
 * always inlines it (35 bytes of bytecode, HotSpot's MaxInlineSize). A larger one is inlined
 * only when its call site looks hot at compile time; when it is not, each vector crossing the
 * call is boxed on the heap and the kernel runs several times slower — in some runs and not
 * others. Loops, which may be compiled on their own, take and return only arrays and scalars.
 */
class KernelInliningTest {
    private static final int MAX_INLINE_SIZE = 35;

    @Test
    void methodsWithVectorsInTheirSignatureAreAlwaysInlinable() throws IOException, URISyntaxException {
        Path classes = Path.of(Q8_0Matrix.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> tooLarge = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                ClassModel model = ClassFile.of().parse(Files.readAllBytes(file));
                for (MethodModel method : model.methods()) {
                    if (!method.methodTypeSymbol().descriptorString().contains("Ljdk/incubator/vector/")) continue;
                    int size = method.findAttribute(Attributes.code()).map(CodeAttribute::codeLength).orElse(0);
                    checked++;
                    if (size > MAX_INLINE_SIZE) {
                        tooLarge.add(model.thisClass().asInternalName() + "." + method.methodName().stringValue() + ": " + size + " bytes");
                    }
                }
            }
        }
        assertTrue(checked >= 10, "found only " + checked + " vector methods under " + classes);
        assertEquals(List.of(), tooLarge, "split these so the JIT always inlines them");
    }
}
