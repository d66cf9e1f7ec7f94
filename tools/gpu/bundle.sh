#!/usr/bin/env bash
# Packs what the GPU device check carries to a machine that has a GPU but no JDK and no network:
# a jlink'd JDK 25, the TornadoVM SDK of $TORNADOVM_HOME (installed by TornadoVM's own
# instructions; this script only copies it), chat.jar + lorillama-gpu.jar, the compiled tests and
# a JUnit console launcher, and the OpenCL ICD loader. Run it on the build machine after
#   TORNADOVM_HOME=... ./mvnw -B package -DskipTests
# It writes gpu-bundle/ (git-ignored) as two parts, each under one device call's 64 MiB carry:
#   gpu-bundle/part1 (JDK + SDK) and gpu-bundle/part2 (application, tests, loader).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TORNADOVM_HOME:?set TORNADOVM_HOME to the TornadoVM SDK}"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
out=gpu-bundle
rm -rf "$out" && mkdir -p "$out/part1" "$out/part2" "$out/stage"

# 1. A JDK 25 image with what chat.jar and TornadoVM need (JVMCI for TornadoVM's Graal compiler).
"$JAVA_HOME/bin/jlink" --add-modules java.se,jdk.incubator.vector,jdk.internal.vm.ci,jdk.management,jdk.unsupported,jdk.jfr,jdk.zipfs,jdk.crypto.ec \
  --strip-debug --no-header-files --no-man-pages --output "$out/stage/jdk"

# 2. The SDK, less what the runtime never loads (benchmarks, examples, unit tests, CUDA libraries'
#    bindings); its argfile is regenerated on the device, where the paths differ.
cp -a "$TORNADOVM_HOME" "$out/stage/sdk"
rm -f "$out"/stage/sdk/share/java/tornado/tornado-{benchmarks,examples,unittests,fuzz,cublas,cudnn,cufft,cusparse,cutlass}-*.jar
rm -rf "$out/stage/sdk/examples"
tar -C "$out/stage" -cJf "$out/part1/jdk-sdk.tar.xz" jdk sdk

# 3. The application, the compiled tests, a JUnit launcher, the OpenCL ICD loader.
./mvnw -B -q -ntp dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4 \
  -DoutputDirectory="$out/stage/app" > /dev/null
mkdir -p "$out/stage/app/lib"
cp chat/target/chat.jar chat/target/lorillama-gpu.jar "$out/stage/app/"
for m in gpu tests runtime; do cp -a "$m/target/test-classes" "$out/stage/app/$m-test-classes"; done
cp -L /usr/lib/x86_64-linux-gnu/libOpenCL.so.1 "$out/stage/app/lib/"
tar -C "$out/stage" -cJf "$out/part2/app.tar.xz" app
rm -rf "$out/stage"
du -sh "$out"/part1 "$out"/part2
