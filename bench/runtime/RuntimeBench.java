import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.precompile.shim.ShimGenerator;
import dev.sandcrate.runtime.engine.Engines;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.engine.wasm2c.Wasm2cEngine;
import dev.sandcrate.runtime.daemon.DaemonClient;
import dev.sandcrate.runtime.daemon.Protocol;
import dev.sandcrate.runtime.engine.ArtifactAbi;
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
 *   support OUT.crate      the support crate every shim depends on (the view serves it beside the shims)
 *   app DIR N              write the application's src/main.rs (tokio, serde, thiserror, async-trait) with N structs
 *   engine NAME|- WASM N ROUNDS   in-process: load, first expansion and warm rounds of Serialize+Deserialize on N
 *                          structs (- = the runtime's default engine; compiled modules cached like the daemon does)
 *   cold LAUNCHER WASM DIR what a build's first macro call waits for when no daemon runs: start the daemon like the
 *                          shim does, EXPAND (NEED_MODULE, LOAD, EXPAND) one derive, ms from the start to the answer
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
            case "support" -> Files.write(Path.of(args[1]), ShimGenerator.support().bytes());
            case "app" -> app(Path.of(args[1]), Integer.parseInt(args[2]));
            case "engine" -> engine(args[1].equals("-") ? Engines.DEFAULT : args[1], Path.of(args[2]),
                    Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "cold" -> cold(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static void engine(String name, Path wasm, int structs, int rounds) throws Exception {
        Instant jvmStart = ProcessHandle.current().info().startInstant().orElseThrow();
        SandboxLimits limits = SandboxLimits.defaults().withTimeout(Duration.ofMinutes(5));
        // wasm2c's own engine, not what --engine wasm2c runs (Wasmtime until the compile in the background is done)
        MacroEngine engine = name.equals(Wasm2cEngine.NAME) ? Engines.wasm2c(limits, Engines.cacheDirectory(System.getenv()))
                : Engines.create(name, limits);
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
        System.out.printf("{\"engine\":\"%s\",\"loadMs\":%.0f,\"instantiateMs\":%.1f,\"firstExpandMs\":%.1f,"
                        + "\"coldFromJvmStartMs\":%.0f,\"firstRoundMs\":%.0f,\"bestRoundMs\":%.0f,\"medianRoundMs\":%.0f,"
                        + "\"expansionsPerRound\":%d,\"rounds\":%d,\"peakRssMb\":%d}%n",
                name, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, coldFromJvmStart,
                roundMillis[0], sorted[0], sorted[rounds / 2], requests.length, rounds, peakRssMb());
    }

    static void cold(Path launcher, Path wasm, Path dir) throws Exception {
        byte[] module = Files.readAllBytes(wasm);
        byte[] request = Request.fromSource(Request.MacroKind.DERIVE, "Serialize", "lib.rs", struct(0), null).encode();
        long pid = ProcessHandle.current().pid();
        Path socket = dir.resolve(Protocol.SOCKET_NAME);
        String sha256 = ArtifactAbi.sha256(module); // a shim has it as a constant
        long start = System.nanoTime();
        Process daemon = new ProcessBuilder(launcher.toString(), "daemon", "--dir", dir.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.appendTo(dir.resolveSibling("cold.log").toFile()))
                .start();
        DaemonClient connected = null;
        while (connected == null) {
            try {
                connected = DaemonClient.connect(socket);
            } catch (java.io.IOException notYet) {
                if (!daemon.isAlive() || System.nanoTime() - start > 60_000_000_000L) {
                    throw new IllegalStateException("the daemon did not start; see cold.log");
                }
                Thread.sleep(5); // the shim's poll interval
            }
        }
        try (DaemonClient client = connected) {
            Protocol.Frame answer = client.expand(pid, sha256, request);
            boolean neededModule = answer.code() == Protocol.STATUS_NEED_MODULE;
            if (neededModule) {
                client.load(module);
                answer = client.expand(pid, sha256, request);
            }
            double millis = (System.nanoTime() - start) / 1e6;
            if (answer.code() != Protocol.STATUS_OK) {
                throw new IllegalStateException("expansion failed: " + DaemonClient.errorMessage(answer));
            }
            check(answer.payload());
            System.out.printf("{\"coldMs\":%.0f,\"neededModule\":%s}%n", millis, neededModule);
            client.shutdown();
        }
        daemon.waitFor();
    }

    static void app(Path dir, int structs) throws Exception {
        StringBuilder main = new StringBuilder("""
                //! A small service: records kept in memory behind an async trait, JSON in and out, typed errors.
                use async_trait::async_trait;
                use serde::{Deserialize, Serialize};
                use std::collections::HashMap;
                use thiserror::Error;
                use tokio::sync::RwLock;

                #[derive(Debug, Error)]
                pub enum AppError {
                    #[error("no record with key {0}")]
                    NotFound(String),
                    #[error("bad input at line {line}: {reason}")]
                    BadInput { line: usize, reason: String },
                    #[error(transparent)]
                    Json(#[from] serde_json::Error),
                    #[error(transparent)]
                    Io(#[from] std::io::Error),
                }

                #[async_trait]
                pub trait Store: Send + Sync {
                    async fn get(&self, key: &str) -> Result<String, AppError>;
                    async fn put(&self, key: String, json: String) -> Result<(), AppError>;
                }

                #[derive(Default)]
                pub struct MemoryStore {
                    items: RwLock<HashMap<String, String>>,
                }

                #[async_trait]
                impl Store for MemoryStore {
                    async fn get(&self, key: &str) -> Result<String, AppError> {
                        self.items.read().await.get(key).cloned().ok_or_else(|| AppError::NotFound(key.to_string()))
                    }
                    async fn put(&self, key: String, json: String) -> Result<(), AppError> {
                        self.items.write().await.insert(key, json);
                        Ok(())
                    }
                }

                """);
        for (int i = 0; i < structs; i++) {
            main.append("#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]\n").append(struct(i)).append('\n');
            main.append("""
                    #[derive(Debug, Error)]
                    pub enum Record%dError {
                        #[error("record %d: missing field {0}")]
                        Missing(&'static str),
                        #[error("record %d: {source}")]
                        Store { #[from] source: AppError },
                    }

                    """.formatted(i, i, i));
        }
        main.append("""
                async fn round_trip(store: &dyn Store) -> Result<Record0, AppError> {
                    let r = Record0 { id: 7, display_name: "x".into(), tags: vec![], parent: None, score: Some(1.5) };
                    store.put("r".into(), serde_json::to_string(&r)?).await?;
                    Ok(serde_json::from_str(&store.get("r").await?)?)
                }

                #[tokio::main]
                async fn main() -> Result<(), AppError> {
                    let store = MemoryStore::default();
                    let r = round_trip(&store).await?;
                    println!("{}", serde_json::to_string(&r)?);
                    Ok(())
                }

                #[cfg(test)]
                mod tests {
                    use super::Store;

                    #[tokio::test]
                    async fn round_trip() {
                        let store = super::MemoryStore::default();
                        assert_eq!(super::round_trip(&store).await.unwrap().id, 7);
                        assert!(matches!(store.get("missing").await, Err(super::AppError::NotFound(_))));
                    }
                }
                """);
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/main.rs"), main);
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
