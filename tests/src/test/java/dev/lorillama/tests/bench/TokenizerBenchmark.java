package dev.lorillama.tests.bench;

import dev.lorillama.tests.Llama3TokenizerFiles;
import dev.lorillama.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Encode throughput on the tokenizer conformance corpus (about 1.25 MB of mixed-script text, code,
 * JSON and emoji): one operation encodes every record once. {@link #main} prints MB/s.
 *
 * <p>Run from the repository root:
 * <pre>
 * ./mvnw -B -q -pl tests -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
 * java -cp tests/target/test-classes:tests/target/classes:$(cat tests/target/test.classpath) dev.lorillama.tests.bench.TokenizerBenchmark
 * </pre>
 * (one Maven call, so that the classpath names the modules' target/classes rather than stale
 * installed jars). JMH forks one JVM per benchmark; on a busy 2-core machine expect noise.
 * The same corpus through the JS peer: {@code cd tools/tokenizer-corpus && npm install && npm run bench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class TokenizerBenchmark {
    private Tokenizer tokenizer;
    private String[] texts;

    @Setup
    public void load() {
        tokenizer = Tokenizer.load(Llama3TokenizerFiles.tokenizerJson());
        texts = Llama3TokenizerFiles.corpus().stream().map(Llama3TokenizerFiles.Record::text).toArray(String[]::new);
    }

    @Benchmark
    public void encodeCorpus(Blackhole blackhole) {
        for (String text : texts) blackhole.consume(tokenizer.encode(text));
    }

    @Benchmark
    public void encodeOrdinaryCorpus(Blackhole blackhole) {
        for (String text : texts) blackhole.consume(tokenizer.encodeOrdinary(text));
    }

    /** UTF-8 bytes of the corpus, which one benchmark operation encodes. */
    static long corpusBytes() {
        return Llama3TokenizerFiles.corpus().stream().mapToLong(r -> r.text().getBytes(StandardCharsets.UTF_8).length).sum();
    }

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(TokenizerBenchmark.class.getName() + "\\.")
                .build()).run();
        double megabytes = corpusBytes() / 1e6;
        for (RunResult r : results) {
            double opsPerSecond = r.getPrimaryResult().getScore();
            System.out.printf("%s: %.1f MB/s (corpus %.2f MB, %.2f encodes of it per second)%n",
                    r.getParams().getBenchmark(), opsPerSecond * megabytes, megabytes, opsPerSecond);
        }
    }
}
