import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.precompile.shim.ShimGenerator;
import dev.sandcrate.runtime.engine.Engines;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.engine.chicory.ChicoryEngine;
import dev.sandcrate.runtime.wire.Outcome;
import dev.sandcrate.runtime.wire.Request;
import dev.sandcrate.runtime.wire.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runtime benchmark driver (run by run.sh, one fresh JVM per measurement):
 *   crate DIR N            write a consumer crate's src/lib.rs with N derived structs
 *   shim CARGO_TOML WASM OUT.crate   generate the shim .crate for a real artifact
 *   engine NAME WASM N ROUNDS [CACHE_DIR|-]   cold start and warm expansion of Serialize+Deserialize on N structs
 */
public class RuntimeBench {

    static String struct(int i) {
        return """
                #[serde(rename_all = "camelCase")]
                pub struct Record%d {
                    pub id: u64,
                    pub display_name: String,
                    #[serde(default)]
                    pub tags: Vec<String>,
                    pub parent: Option<Box<Record%d>>,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    pub score: Option<f64>,
                }
                """.formatted(i, i);
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "crate" -> {
                StringBuilder lib = new StringBuilder("use serde_derive::{Deserialize, Serialize};\n\n");
                for (int i = 0; i < Integer.parseInt(args[2]); i++) {
                    lib.append("#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]\n").append(struct(i)).append('\n');
                }
                lib.append("""
                        #[cfg(test)]
                        mod tests {
                            #[test]
                            fn round_trip() {
                                let r = super::Record0 { id: 7, display_name: "x".into(), tags: vec![], parent: None, score: Some(1.5) };
                                let json = serde_json::to_string(&r).unwrap();
                                assert_eq!(json, r#"{"id":7,"displayName":"x","tags":[],"parent":null,"score":1.5}"#);
                                assert_eq!(serde_json::from_str::<super::Record0>(&json).unwrap(), r);
                            }
                        }
                        """);
                Files.createDirectories(Path.of(args[1], "src"));
                Files.writeString(Path.of(args[1], "src", "lib.rs"), lib);
            }
            case "shim" -> {
                CratePacker.PackedCrate shim = ShimGenerator.generate(Files.readAllBytes(Path.of(args[1])),
                        List.of(Files.readAllBytes(Path.of(args[2]))), "bench");
                Files.write(Path.of(args[3]), shim.bytes());
            }
            case "engine" -> engine(args[1], Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    args.length > 5 && !args[5].equals("-") ? Path.of(args[5]) : null);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static void engine(String name, Path wasm, int structs, int rounds, Path cache) throws Exception {
        Instant jvmStart = ProcessHandle.current().info().startInstant().orElseThrow();
        SandboxLimits limits = SandboxLimits.defaults().withTimeout(Duration.ofMinutes(5));
        MacroEngine engine = name.equals(ChicoryEngine.NAME) ? new ChicoryEngine(limits, cache) : Engines.create(name, limits);
        byte[][] requests = new byte[structs * 2][];
        for (int i = 0; i < structs; i++) {
            requests[2 * i] = Request.fromSource(Request.MacroKind.DERIVE, "Serialize", "lib.rs", struct(i), null).encode();
            requests[2 * i + 1] = Request.fromSource(Request.MacroKind.DERIVE, "Deserialize", "lib.rs", struct(i), null).encode();
        }
        long t0 = System.nanoTime();
        MacroModule module = engine.load(Files.readAllBytes(wasm));
        long t1 = System.nanoTime();
        MacroInstance instance = module.instantiate();
        long t2 = System.nanoTime();
        check(instance.expand(requests[0]));
        long t3 = System.nanoTime();
        double coldFromJvmStart = Duration.between(jvmStart, Instant.now()).toNanos() / 1e6;
        double[] roundMillis = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long s = System.nanoTime();
            for (byte[] request : requests) {
                check(instance.expand(request));
            }
            roundMillis[r] = (System.nanoTime() - s) / 1e6;
        }
        double[] sorted = roundMillis.clone();
        Arrays.sort(sorted);
        System.out.printf("{\"engine\":\"%s\",\"diskCache\":%s,\"loadMs\":%.0f,\"instantiateMs\":%.1f,\"firstExpandMs\":%.1f,"
                        + "\"coldFromJvmStartMs\":%.0f,\"firstRoundMs\":%.0f,\"bestRoundMs\":%.0f,\"medianRoundMs\":%.0f,"
                        + "\"expansionsPerRound\":%d,\"rounds\":%d,\"peakRssMb\":%d}%n",
                name, cache != null, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, coldFromJvmStart,
                roundMillis[0], sorted[0], sorted[rounds / 2], requests.length, rounds, peakRssMb());
    }

    static void check(byte[] response) throws Exception {
        Outcome outcome = Response.decode(response).outcome();
        if (!(outcome instanceof Outcome.Expanded)) {
            throw new IllegalStateException("expansion failed: " + outcome);
        }
    }

    static long peakRssMb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }
}
