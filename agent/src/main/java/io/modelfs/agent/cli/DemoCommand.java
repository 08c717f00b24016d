package io.modelfs.agent.cli;

import io.modelfs.agent.Agent;
import io.modelfs.agent.AgentConfig;
import io.modelfs.agent.demo.SampleModel;
import io.modelfs.agent.demo.Smoke;
import io.modelfs.core.ByteSize;
import io.modelfs.core.ModelRef;
import io.modelfs.core.Trees;
import io.modelfs.origin.Importer;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origin;
import io.modelfs.origin.Origins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", description = "Generate a sample model, import it, and serve it through a local agent and FUSE mount. With --smoke: read it all back, check every byte, print a summary and exit.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--dir", description = "Working directory (default: a new temporary directory, removed at exit).")
  Path dir;

  @Option(names = "--size", description = "Size of the sample model's weights (default: ${DEFAULT-VALUE}).")
  String size = "256MiB";

  @Option(names = "--smoke", description = "Read every file back through the mount, compare with the source, and exit.")
  boolean smoke;

  @Override
  public Integer call() throws Exception {
    boolean temporary = dir == null;
    Path work = temporary ? Files.createTempDirectory("modelfs-demo-") : dir.toAbsolutePath();
    Path source = work.resolve("origin/demo-model");
    System.err.println("generating a sample model of " + size + " in " + source);
    SampleModel.generate(source, ByteSize.parse(size), 42);

    Importer.Result imported;
    ModelRef ref;
    try (Origin origin = Origins.open(source.toString());
        ImportProgress progress = new ImportProgress("import demo-model")) {
      imported = new Importer(Importer.Config.defaults()).run(origin, "demo-model", progress);
      try (Origin manifests = Origins.open(source.resolve(".modelfs/manifests").toString())) {
        ref = new ManifestStore(manifests).publish(imported);
      }
    }
    Path mount = work.resolve("mnt");
    Path control = work.resolve("agent.sock");
    AgentConfig config = AgentConfig.of(mount, work.resolve("store"),
        List.of(source.resolve(".modelfs/manifests").toUri().toString()), control);
    Agent agent = Agent.start(config);
    try {
      Path model = mount.resolve(ref.toString());
      if (smoke) {
        return smoke(imported, source, model, ref);
      }
      printHints(imported, ref, model, control);
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        agent.close();
        if (temporary) {
          Trees.deleteQuietly(work, "demo");
        }
        stopped.countDown();
      }, "demo-shutdown"));
      stopped.await();
      return 0;
    } finally {
      if (smoke) {
        agent.close();
        if (temporary) {
          Trees.deleteQuietly(work, "demo");
        }
      }
    }
  }

  private static int smoke(Importer.Result imported, Path source, Path model, ModelRef ref) throws IOException {
    Smoke.Result r = Smoke.run(imported.manifest(), source, model);
    System.out.println("modelfs demo --smoke: " + ref);
    System.out.printf("  %-45s %12s %10s  %s%n", "file", "bytes", "MiB/s", "check");
    for (Smoke.FileResult f : r.files()) {
      double mibs = f.bytes() / (1024.0 * 1024.0) / Math.max(f.nanos() / 1e9, 1e-9);
      System.out.printf("  %-45s %12d %10.0f  %s%n", f.path(), f.bytes(), mibs, f.matches() ? "ok" : "MISMATCH");
    }
    System.out.printf("  %d files, %s read through the mount in %.2f s: %.0f MiB/s (cold: every chunk fetched from the origin and verified)%n",
        r.files().size(), ByteSize.format(r.bytes()), r.nanos() / 1e9, r.mibPerSecond());
    System.out.println(r.ok() ? "smoke test passed: every byte matches the source" : "smoke test FAILED: bytes differ from the source");
    return r.ok() ? 0 : 1;
  }

  private static void printHints(Importer.Result imported, ModelRef ref, Path model, Path control) {
    String shard = imported.manifest().files().stream().map(f -> f.path())
        .filter(p -> p.endsWith(".safetensors")).findFirst().orElse("config.json");
    System.out.println();
    System.out.println("The sample model is mounted read-only. Try, in another terminal:");
    System.out.println("  ls -l " + model);
    System.out.println("  head -c 200 " + model.resolve(shard) + " | strings | head");
    System.out.println("  bin/modelfs pull --agent " + control + " " + ref);
    System.out.println("  bin/modelfs status --agent " + control);
    System.out.println("Ctrl-C stops the agent and unmounts.");
    System.out.println();
    System.out.println(ref);
  }
}
