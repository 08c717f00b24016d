package io.modelfs.agent.cli;

import io.modelfs.agent.StoreOperations;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.UnpinRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "unpin", description = "Let the chunks of a model pulled with --pin be evicted again.")
final class UnpinCommand implements Callable<Integer> {
  @Mixin StoreTarget target;

  @Parameters(index = "0", paramLabel = "REF", description = "name@sha256:<hex>, as given to 'modelfs pull --pin'.")
  String ref;

  @Override
  public Integer call() throws Exception {
    String parsed = ModelRef.parse(ref).toString();
    ControlResponse r = target.call(ControlRequest.newBuilder().setUnpin(UnpinRequest.newBuilder().setRef(parsed)).build(),
        (store, dir) -> ControlResponse.newBuilder().setUnpinResult(StoreOperations.unpin(store, parsed)).build());
    if (r.hasError()) {
      System.err.println("modelfs unpin: " + r.getError().getMessage());
      return 1;
    }
    if (!r.getUnpinResult().getWasPinned()) {
      System.err.println("modelfs unpin: " + parsed + " was not pinned");
      return 1;
    }
    System.out.println("unpinned " + parsed);
    return 0;
  }
}
