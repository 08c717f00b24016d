package io.modelfs.agent.cli;

import io.modelfs.agent.StoreOperations;
import io.modelfs.core.ByteSize;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.GcRequest;
import io.modelfs.core.proto.GcResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "gc", description = "Evict unpinned chunks, least recently used first, down to the store's budget (or --to SIZE); report what was freed.")
final class GcCommand implements Callable<Integer> {
  @Mixin StoreTarget target;

  @Option(names = "--to", paramLabel = "SIZE", description = "Evict down to this many bytes, e.g. 100GiB or 0 (required with --store).")
  String to;

  @Override
  public Integer call() throws Exception {
    Long targetBytes = to == null ? null : ByteSize.parse(to);
    if (targetBytes == null && target.direct()) {
      System.err.println("modelfs gc: with --store the budget of the stopped agent is not known; say --to SIZE");
      return 2;
    }
    GcRequest.Builder gc = GcRequest.newBuilder();
    if (targetBytes != null) {
      gc.setTargetBytes(targetBytes);
    }
    ControlResponse r = target.call(ControlRequest.newBuilder().setGc(gc).build(), (store, dir) ->
        ControlResponse.newBuilder().setGcResult(StoreOperations.gc(store, targetBytes)).build());
    if (r.hasError()) {
      System.err.println("modelfs gc: " + r.getError().getMessage());
      return 1;
    }
    GcResult g = r.getGcResult();
    System.out.printf("evicted %d chunks, freed %s; %d chunks, %s left%n", g.getChunksEvicted(),
        ByteSize.format(g.getBytesFreed()), g.getChunksLeft(), ByteSize.format(g.getBytesLeft()));
    return 0;
  }
}
