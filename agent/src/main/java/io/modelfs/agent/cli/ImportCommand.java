package io.modelfs.agent.cli;

import io.modelfs.core.ByteSize;
import io.modelfs.core.ModelRef;
import io.modelfs.origin.Importer;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origin;
import io.modelfs.origin.Origins;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import",
    description = "Hash a model directory in chunks and publish its manifest; prints the ref (name@sha256:...) as the last line. The data is not copied.")
final class ImportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "URI", description = "Model directory, e.g. file:///data/llama-3-8b/")
  String uri;

  @Option(names = "--name", required = true, description = "Model name (letters, digits, '.', '_', '-').")
  String name;

  @Option(names = "--manifests", description = "Where to write the manifest (default: <URI>/.modelfs/manifests/).")
  String manifests;

  @Option(names = "--chunk-size", description = "Chunk size (default: ${DEFAULT-VALUE}).")
  String chunkSize = "8MiB";

  @Option(names = "--threads", description = "Chunks hashed at once (default: the number of cores, at least 2).")
  Integer threads;

  @Override
  public Integer call() throws Exception {
    Importer.Config defaults = Importer.Config.defaults();
    long cs = ByteSize.parse(chunkSize);
    if (cs > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("chunk size " + chunkSize + " is too large");
    }
    Importer importer = new Importer(new Importer.Config((int) cs, threads == null ? defaults.threads() : threads));
    long start = System.nanoTime();
    try (Origin origin = Origins.open(uri);
        ImportProgress progress = new ImportProgress("import " + name)) {
      Importer.Result result = importer.run(origin, name, progress);
      String location = manifests != null ? manifests : origin.uri().resolve(".modelfs/manifests/").toString();
      try (Origin out = Origins.open(location)) {
        ModelRef ref = new ManifestStore(out).publish(result);
        progress.close();
        double secs = (System.nanoTime() - start) / 1e9;
        System.err.printf("imported %d files, %s in %.1f s (%s/s); manifest in %s%n",
            result.manifest().files().size(), ByteSize.format(result.manifest().totalBytes()), secs,
            ByteSize.format((long) (result.manifest().totalBytes() / Math.max(secs, 1e-3))), out.uri());
        System.out.println(ref);
      }
    }
    return 0;
  }
}
