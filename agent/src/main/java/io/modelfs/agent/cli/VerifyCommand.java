package io.modelfs.agent.cli;

import io.modelfs.agent.StoreOperations;
import io.modelfs.core.ByteSize;
import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.VerifyRequest;
import io.modelfs.core.proto.VerifyResult;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "verify", description = "Re-hash stored chunks; quarantine and report any corrupt one (the next read fetches it again). Exits 1 if any was corrupt.")
final class VerifyCommand implements Callable<Integer> {
  @Mixin StoreTarget target;

  @Option(names = "--model", paramLabel = "REF", description = "Only the chunks of this model (with --store: only a pinned model).")
  String model;

  @Override
  public Integer call() throws Exception {
    String ref = model == null ? "" : ModelRef.parse(model).toString();
    ControlResponse r = target.call(ControlRequest.newBuilder().setVerify(VerifyRequest.newBuilder().setRef(ref)).build(),
        (store, dir) -> {
          List<Digest> only = List.of();
          if (!ref.isEmpty()) {
            Set<Digest> pinned = store.namedPins().get(ref);
            if (pinned == null) {
              throw new IOException("model " + ref + " is not pinned in the store at " + dir
                  + ", so its chunks are not known without the agent; verify through the running agent, or drop --model");
            }
            only = List.copyOf(pinned);
          }
          return ControlResponse.newBuilder().setVerifyResult(StoreOperations.verify(store, only)).build();
        });
    if (r.hasError()) {
      System.err.println("modelfs verify: " + r.getError().getMessage());
      return 2;
    }
    VerifyResult v = r.getVerifyResult();
    for (String corrupt : v.getCorruptList()) {
      System.out.println("CORRUPT " + corrupt + " (quarantined; fetched again on next read)");
    }
    System.out.printf("verified %d chunks (%s): %s%n", v.getChunksChecked(), ByteSize.format(v.getBytesChecked()),
        v.getCorruptCount() == 0 ? "all good" : v.getCorruptCount() + " corrupt");
    return v.getCorruptCount() == 0 ? 0 : 1;
  }
}
