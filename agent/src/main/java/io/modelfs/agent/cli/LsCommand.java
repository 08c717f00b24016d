package io.modelfs.agent.cli;

import io.modelfs.agent.StoreOperations;
import io.modelfs.core.ByteSize;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.StoreChunk;
import io.modelfs.core.proto.StoreCounters;
import io.modelfs.core.proto.StoreListing;
import io.modelfs.core.proto.StoreListRequest;
import io.modelfs.core.proto.StoreModel;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "ls", description = "List what the chunk store holds: totals, models (open in the agent, or pinned) with how much of each is stored, counters.")
final class LsCommand implements Callable<Integer> {
  @Mixin StoreTarget target;

  @Option(names = "--chunks", description = "Also list every chunk: digest, size, last access, pins.")
  boolean chunks;

  @Override
  public Integer call() throws Exception {
    ControlRequest request = ControlRequest.newBuilder()
        .setStoreList(StoreListRequest.newBuilder().setChunks(chunks)).build();
    ControlResponse r = target.call(request, (store, dir) -> ControlResponse.newBuilder()
        .setStoreListing(StoreOperations.list(store, dir, Map.of(), chunks)).build());
    if (r.hasError()) {
      System.err.println("modelfs ls: " + r.getError().getMessage());
      return 1;
    }
    print(r.getStoreListing());
    return 0;
  }

  private static void print(StoreListing l) {
    System.out.printf("store %s: %d chunks, %s (budget %s)%n", l.getStoreDir(), l.getChunks(),
        ByteSize.format(l.getBytes()), l.getBudgetBytes() == 0 ? "none" : ByteSize.format(l.getBudgetBytes()));
    if (l.getModelsCount() == 0) {
      System.out.println("models: none open or pinned");
    } else {
      System.out.printf("%-60s %12s %15s %s%n", "MODEL", "STORED", "CHUNKS", "PINNED");
      for (StoreModel m : l.getModelsList()) {
        System.out.printf("%-60s %12s %15s %s%n", m.getRef(), ByteSize.format(m.getBytesStored()),
            m.getChunksStored() + "/" + m.getChunksTotal(), m.getPinned() ? "yes" : "no");
      }
    }
    if (l.getChunkListCount() > 0) {
      System.out.printf("%-64s %12s %-24s %s%n", "CHUNK", "SIZE", "LAST ACCESS", "PINS");
      for (StoreChunk c : l.getChunkListList()) {
        System.out.printf("%-64s %12s %-24s %d%n", c.getDigest(), ByteSize.format(c.getSize()),
            Instant.ofEpochMilli(c.getLastAccessMillis()), c.getPins());
      }
    }
    StoreCounters c = l.getCounters();
    System.out.printf("since start: %d hits, %d misses, %s in, %s out, %d evictions, %d verification failures, "
            + "%d loads (%d failed)%n", c.getHits(), c.getMisses(), ByteSize.format(c.getBytesIn()),
        ByteSize.format(c.getBytesOut()), c.getEvictions(), c.getVerificationFailures(), c.getLoads(), c.getLoadFailures());
  }
}
