package io.modelfs.agent.cli;

import io.modelfs.core.ByteSize;
import io.modelfs.core.ManifestCodec;
import io.modelfs.core.ManifestSignature;
import io.modelfs.core.ModelRef;
import io.modelfs.origin.Importer;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origin;
import io.modelfs.origin.OriginConfig;
import io.modelfs.origin.OriginException;
import io.modelfs.origin.Origins;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerClientConfig;
import io.modelfs.tracker.TrackerClients;
import io.modelfs.tracker.TrackerPeers;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import",
    description = "Hash a model directory in chunks and publish its manifest; prints the ref (name@sha256:...) as the last line. The data is not copied.")
final class ImportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "URI", description = "Model folder: file:///data/m/, s3://bucket/m/, gs://bucket/m/, az://account/container/m/, https://host/m/ (or one file's URL)")
  String uri;

  @Option(names = "--name", required = true, description = "Model name (letters, digits, '.', '_', '-').")
  String name;

  @Option(names = "--manifests", description = "Where to write the manifest (default: <URI>/.modelfs/manifests/).")
  String manifests;

  @Option(names = "--chunk-size", description = "Chunk size (default: ${DEFAULT-VALUE}).")
  String chunkSize = "8MiB";

  @Option(names = "--threads", description = "Chunks read and hashed at once (default: the number of cores, at least 2; at least 8 for remote origins).")
  Integer threads;

  @Option(names = "--tracker", paramLabel = "ID=HOST:PORT,...",
      description = "Also publish the manifest, its sources and NAME:TAG to this tracker group (the list trackers take with --peers).")
  String tracker;

  @Option(names = "--tag", description = "The tag NAME:TAG to point at the new ref on the tracker (default: ${DEFAULT-VALUE}).")
  String tag = "latest";

  @Option(names = "--config", paramLabel = "FILE",
      description = "Origin settings per URI prefix: endpoint, region, credentials source, rate cap, parts (see README).")
  Path config;

  @Option(names = "--sign-key", paramLabel = "PEM",
      description = "Sign the manifest with this Ed25519 private key ('modelfs keygen'): writes <hex>.sig beside it (and"
          + " publishes it with the manifest to --tracker), which agents started with --manifest-public-key require.")
  Path signKey;

  @Mixin
  TlsOptions tls;

  @Override
  public Integer call() throws Exception {
    PrivateKey signer = signKey == null ? null : ManifestSignature.readPrivateKey(signKey);
    TrackerPeers trackerPeers = tracker == null ? null : TrackerPeers.parse(tracker);
    OriginConfig origins = config == null ? OriginConfig.defaults() : OriginConfig.load(config);
    Importer.Config defaults = Importer.Config.defaults();
    long cs = ByteSize.parse(chunkSize);
    if (cs > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("chunk size " + chunkSize + " is too large");
    }
    boolean local = !uri.contains(":") || uri.startsWith("file:");
    if (manifests == null && (uri.startsWith("https:") || uri.startsWith("http:"))) {
      throw new IllegalArgumentException("an HTTPS origin is read-only: give --manifests URI for the manifest");
    }
    // remote origins are latency-bound: keep more ranged reads in flight than there are cores
    int hashThreads = threads != null ? threads : local ? defaults.threads() : Math.max(8, defaults.threads());
    Importer importer = new Importer(new Importer.Config((int) cs, hashThreads));
    long start = System.nanoTime();
    try (Origin origin = Origins.open(uri, origins);
        ImportProgress progress = new ImportProgress("import " + name)) {
      Importer.Result result = importer.run(origin, name, progress);
      String location = manifests != null ? manifests : origin.uri().resolve(".modelfs/manifests/").toString();
      try (Origin out = Origins.open(location, origins)) {
        ModelRef ref;
        try {
          ref = new ManifestStore(out).publish(result, signer);
        } catch (OriginException.AccessDenied | OriginException.Permanent e) {
          throw new OriginException.Permanent(out.uri(), "cannot write the manifest (" + e.getMessage()
              + "); for a read-only bucket or an HTTPS origin give --manifests URI", e);
        }
        progress.close();
        if (trackerPeers != null) {
          // the .sig travels with the manifest: one written now, else one already beside it (signed earlier)
          byte[] signature = signer != null ? ManifestSignature.sign(signer, ref.digest())
              : new ManifestStore(out).signature(ref).orElse(null);
          try (TrackerClient client = TrackerClients.connect(trackerPeers, TrackerClientConfig.defaults().withTls(tls.files()))) {
            client.publish(ref, result.manifestBytes(), ManifestCodec.encodeSources(result.sources()), signature);
            client.tag(name, tag, ref);
          }
          System.err.printf("published %s%s as %s:%s on tracker %s%n", ref, signature == null ? "" : " (signed)", name, tag,
              trackerPeers);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        if (signer != null) {
          System.err.printf("signed: %s%s beside the manifest%n", ref.digest().hex(), ManifestSignature.SUFFIX);
        }
        System.err.printf("imported %d files, %s in %.1f s (%s/s); manifest in %s%n",
            result.manifest().files().size(), ByteSize.format(result.manifest().totalBytes()), secs,
            ByteSize.format((long) (result.manifest().totalBytes() / Math.max(secs, 1e-3))), out.uri());
        System.out.println(ref);
      }
    }
    return 0;
  }
}
