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
 * Vectors never cross a call the JIT might leave in place, since a vector that does is boxed on
 * the heap and the kernel runs several times slower — in some runs and not others:
 * <ul>
 *   <li>a method that returns a vector is small enough that the JIT always inlines it (35 bytes
 *       of bytecode, HotSpot's MaxInlineSize); a larger one is inlined only when its call site
 *       looks hot at compile time;
 *   <li>no method takes a vector: compiled on its own (it is hot before its caller is), it cannot
 *       see the vector's exact class, so it compiles without intrinsics into a large method that
 *       the JIT then refuses to inline anywhere ("already compiled into a big method").
 * </ul>
 * Loops, which may be compiled on their own, take and return only arrays and scalars. And the JVM
 * is told to inline every vector-returning helper regardless of its heuristics (CompileCommand
 * inline, Launcher.VECTOR_HELPERS): they declined, now and then, helpers compiled on their own
 * first or called from a site with a young profile.
 */
class KernelInliningTest {
    private static final int MAX_INLINE_SIZE = 35;

    @Test
    void vectorsNeverCrossACallTheJitMightKeep() throws IOException, URISyntaxException {
        Path classes = Path.of(Q8_0Matrix.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> tooLarge = new ArrayList<>();
        List<String> takesVector = new ArrayList<>();
        List<String> vectorHelpers = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                ClassModel model = ClassFile.of().parse(Files.readAllBytes(file));
                for (MethodModel method : model.methods()) {
                    var type = method.methodTypeSymbol();
                    String name = model.thisClass().asInternalName() + "." + method.methodName().stringValue();
                    if (type.parameterList().stream().anyMatch(KernelInliningTest::isVector)) takesVector.add(name);
                    if (!isVector(type.returnType())) continue;
                    vectorHelpers.add(method.methodName().stringValue());
                    int size = method.findAttribute(Attributes.code()).map(CodeAttribute::codeLength).orElse(0);
                    checked++;
                    if (size > MAX_INLINE_SIZE) tooLarge.add(name + ": " + size + " bytes");
                }
            }
        }
        assertTrue(checked >= 10, "found only " + checked + " vector methods under " + classes);
        List<String> jvmArgs = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> notForced = vectorHelpers.stream()
                .filter(helper -> !jvmArgs.contains("-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::" + helper))
                .distinct().toList();
        assertEquals(List.of(), notForced, "add these to Launcher.VECTOR_HELPERS and to vector.jvm.args in the parent pom");
        assertEquals(List.of(), tooLarge, "split these so the JIT always inlines them");
        assertEquals(List.of(), takesVector, "pass scalars (offsets) instead, or write the code in the loop");
    }

    private static boolean isVector(java.lang.constant.ClassDesc type) {
        return type.descriptorString().startsWith("Ljdk/incubator/vector/");
    }
}
