package dev.sandcrate.runtime.engine;

import com.dylibso.chicory.wabt.Wat2Wasm;

/**
 * Small modules implementing the Sandcrate artifact ABI, written in WAT and assembled by Chicory's wat2wasm.
 * Each one exercises one behaviour of the runtime (echo, statics, panic, loop, memory, output size, imports).
 */
public final class AbiTestModules {

    private AbiTestModules() {}

    /** Builds an ABI module: a bump allocator plus the given expand body, last_panic body and extra fields. */
    static byte[] module(String extraFields, String expandBody, String lastPanicBody) {
        return Wat2Wasm.parse("""
                (module
                  %s
                  (memory (export "memory") 2)
                  (global $next (mut i32) (i32.const 4096))
                  (global $calls (mut i32) (i32.const 0))
                  (func (export "sandcrate_abi_version") (result i32) (i32.const 1))
                  (func (export "sandcrate_alloc") (param $len i32) (result i32)
                    (local $p i32)
                    (local.set $p (global.get $next))
                    (global.set $next (i32.add (global.get $next) (local.get $len)))
                    (local.get $p))
                  (func (export "sandcrate_expand") (param $ptr i32) (param $len i32) (result i64)
                    %s)
                  (func (export "sandcrate_last_panic") (result i64)
                    %s))
                """.formatted(extraFields, expandBody, lastPanicBody));
    }

    private static final String RETURN_REQUEST =
            "(i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32)) (i64.extend_i32_u (local.get $len)))";

    /** Returns the request bytes unchanged. */
    public static byte[] echo() {
        return module("", RETURN_REQUEST, "(i64.const 0)");
    }

    /** Overwrites the last request byte with how many times this instance has expanded (a static). */
    public static byte[] countsCalls() {
        return module("", """
                (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
                (i32.store8 (i32.sub (i32.add (local.get $ptr) (local.get $len)) (i32.const 1)) (global.get $calls))
                """ + RETURN_REQUEST, "(i64.const 0)");
    }

    public static final String PANIC_MESSAGE = "boom: the macro panicked at src/lib.rs:3:5";

    /** Traps after "recording" a panic, like the bridge server's panic hook does. */
    public static byte[] panics() {
        return module("(data (i32.const 256) \"" + PANIC_MESSAGE + "\")",
                "(unreachable)",
                "(i64.or (i64.shl (i64.const 256) (i64.const 32)) (i64.const " + PANIC_MESSAGE.length() + "))");
    }

    /** Answers every request with {@code response} (e.g. an encoded wire response). */
    public static byte[] answers(byte[] response) {
        return module("(data (i32.const 1024) \"" + watBytes(response) + "\")",
                "(i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const " + response.length + "))", "(i64.const 0)");
    }

    /** Traps on every request after recording {@code panicResponse} for sandcrate_last_panic. */
    public static byte[] panicsWith(byte[] panicResponse) {
        return module("(data (i32.const 1024) \"" + watBytes(panicResponse) + "\")", "(unreachable)",
                "(i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const " + panicResponse.length + "))");
    }

    private static String watBytes(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(String.format("\\%02x", b & 0xff));
        }
        return out.toString();
    }

    /** Traps with nothing recorded. */
    public static byte[] trapsSilently() {
        return module("", "(unreachable)", "(i64.const 0)");
    }

    /** Never returns. */
    public static byte[] loopsForever() {
        return module("", "(loop $spin (br $spin)) (unreachable)", "(i64.const 0)");
    }

    /** Grows memory 1 MiB at a time until refused, then aborts like Rust's allocation-failure handler. */
    public static byte[] growsMemoryForever() {
        return module("", """
                (loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
                (unreachable)""", "(i64.const 0)");
    }

    /** Claims a response of {@code bytes} bytes starting at 0 (must fit the 128 KiB memory). */
    public static byte[] returnsBytes(int bytes) {
        return module("", "(i64.const " + bytes + ")", "(i64.const 0)");
    }

    /** Returns a response pointing outside its memory. */
    public static byte[] returnsOutOfBounds() {
        return module("", "(i64.or (i64.shl (i64.const 131000) (i64.const 32)) (i64.const 1000))", "(i64.const 0)");
    }

    /** Asks the host for the time: any import is forbidden. */
    public static byte[] importsFunction() {
        return module("(import \"env\" \"now\" (func $now (result i64)))", RETURN_REQUEST, "(i64.const 0)");
    }

    /** Speaks a future ABI version. */
    public static byte[] abiVersion2() {
        return Wat2Wasm.parse("""
                (module
                  (memory (export "memory") 1)
                  (func (export "sandcrate_abi_version") (result i32) (i32.const 2))
                  (func (export "sandcrate_alloc") (param i32) (result i32) (i32.const 0))
                  (func (export "sandcrate_expand") (param i32 i32) (result i64) (i64.const 0))
                  (func (export "sandcrate_last_panic") (result i64) (i64.const 0)))
                """);
    }

    /**
     * {@link #echo()} with the last function's closing {@code end} replaced by {@code unreachable}: its imports and
     * exports are right, its code is not.
     */
    public static byte[] invalidCode() {
        byte[] wasm = echo();
        if (wasm[wasm.length - 1] != 0x0b) {
            throw new IllegalStateException("echo() no longer ends with its last function's end");
        }
        wasm[wasm.length - 1] = 0x00;
        return wasm;
    }

    /** Has no sandcrate_expand. */
    public static byte[] missingExpand() {
        return Wat2Wasm.parse("""
                (module
                  (memory (export "memory") 1)
                  (func (export "sandcrate_abi_version") (result i32) (i32.const 1))
                  (func (export "sandcrate_alloc") (param i32) (result i32) (i32.const 0))
                  (func (export "sandcrate_last_panic") (result i64) (i64.const 0)))
                """);
    }

    /**
     * Counts its calls like {@link #countsCalls()}; a request whose first byte is 1 first recurses
     * {@code depth} calls deep, more than Wasmtime's 2 MiB wasm stack (or the wasm2c host's 8 MiB native stack) holds
     * but well within Chicory's JVM stack. Each call stores after its callee returns, so that no compiler (gcc, for
     * wasm2c) can turn the recursion into a loop.
     */
    public static byte[] recursesDeeplyOnRequest(int depth) {
        return module("""
                (func $down (param $n i32) (result i32)
                  (local $below i32)
                  (if (result i32) (i32.eqz (local.get $n))
                    (then (i32.const 0))
                    (else
                      (local.set $below (call $down (i32.sub (local.get $n) (i32.const 1))))
                      (i32.store8 (i32.and (local.get $n) (i32.const 255)) (local.get $below))
                      (i32.add (i32.const 1) (local.get $below)))))
                """, """
                (if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 1))
                  (then (drop (call $down (i32.const %d)))))
                (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
                (i32.store8 (i32.sub (i32.add (local.get $ptr) (local.get $len)) (i32.const 1)) (global.get $calls))
                """.formatted(depth) + RETURN_REQUEST, "(i64.const 0)");
    }
}
