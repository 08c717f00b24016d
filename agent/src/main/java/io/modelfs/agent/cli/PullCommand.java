package io.modelfs.agent.cli;

import io.modelfs.agent.AgentConfig;
import io.modelfs.agent.control.ControlClient;
import io.modelfs.core.ByteSize;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.PullProgress;
import io.modelfs.core.proto.PullRequest;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pull", description = "Fetch every chunk of a model into the local store through the running agent; exits 0 only when all are local and verified.")
final class PullCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "REF", description = "name@sha256:<hex>, as printed by 'modelfs import'.")
  String ref;

  @Option(names = "--agent", description = "The agent's control socket (default: ${DEFAULT-VALUE}).")
  Path agent = AgentConfig.DEFAULT_CONTROL;

  @Option(names = "--pin", description = "Keep the model's chunks resident (never evicted) until 'modelfs unpin REF'.")
  boolean pin;

  @Option(names = "--json", description = "No progress bar; print the final counts as JSON (PullProgress of control.proto).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    ModelRef parsed = ModelRef.parse(ref);
    ProgressBar[] bar = new ProgressBar[1];
    ControlResponse last;
    try {
      last = ControlClient.call(agent,
          ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(parsed.toString()).setPin(pin)).build(),
          r -> {
            PullProgress p = r.getProgress();
            if (json) {
              return;
            }
            if (bar[0] == null) {
              bar[0] = ImportProgress.ProgressBars.bytes("pull " + parsed.name(), p.getBytesTotal());
            }
            bar[0].stepTo(p.getBytesDone());
            // The bar shows the rate; the split says how much was local already and how much came in.
            bar[0].setExtraMessage("local " + ByteSize.format(p.getBytesLocal()) + ", fetched "
                + ByteSize.format(p.getBytesDone() - p.getBytesLocal()));
          });
    } finally {
      if (bar[0] != null) {
        bar[0].close();
      }
    }
    if (last.hasError()) {
      System.err.println("modelfs pull: " + last.getError().getMessage());
      return 1;
    }
    PullProgress done = last.getDone();
    if (json) {
      System.out.println(com.google.protobuf.util.JsonFormat.printer().alwaysPrintFieldsWithNoPresence().print(done));
      return 0;
    }
    double secs = Math.max(done.getElapsedMillis(), 1) / 1000.0;
    long fetched = done.getBytesDone() - done.getBytesLocal();
    System.out.printf("pulled %s: %d chunks, %s (%s fetched, %s already local) in %.1f s%n", parsed,
        done.getChunksTotal(), ByteSize.format(done.getBytesTotal()), ByteSize.format(fetched),
        ByteSize.format(done.getBytesLocal()), secs);
    if (pin) {
      System.out.println("pinned " + parsed + ": its chunks stay until 'modelfs unpin " + parsed + "'");
    }
    return 0;
  }
}
