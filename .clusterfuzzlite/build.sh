#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: the same harnesses as `make fuzz`,
# compiled with the infrastructure's $CC, $CFLAGS and $LIB_FUZZING_ENGINE.
cd "$SRC/vmparts"
flags="-std=c11 -D_GNU_SOURCE -Iapi -I. -Ifuzz -fno-strict-aliasing"
objs=()
mkdir -p /tmp/vmparts-obj
for src in bus/*.c emulator/*.c bios/*.c models/*/*.c fuzz/common/*.c; do
    [ -f "$src" ] || continue
    obj=/tmp/vmparts-obj/$(echo "$src" | tr / _).o
    $CC $CFLAGS $flags -c "$src" -o "$obj"
    objs+=("$obj")
done
for h in fuzz/fuzz_*.c; do
    name=$(basename "$h" .c)
    $CC $CFLAGS $flags -c "$h" -o "/tmp/vmparts-obj/$name.o"
    $CXX $CXXFLAGS "/tmp/vmparts-obj/$name.o" "${objs[@]}" $LIB_FUZZING_ENGINE \
        -lm -lpthread -o "$OUT/$name"
    short=${name#fuzz_}
    if [ -d "fuzz/corpus/$short" ]; then
        (cd "fuzz/corpus/$short" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
    fi
    [ -f "fuzz/dict/$short.dict" ] && cp "fuzz/dict/$short.dict" "$OUT/$name.dict"
done
