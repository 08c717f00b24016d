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
  @Parameters(index = "0", paramLabel = "REF",
      description = "name@sha256:<hex>, as printed by 'modelfs import', or NAME[:TAG] (tag 'latest' when none), resolved by the agent's tracker.")
  String ref;

  @Option(names = "--agent", description = "The agent's control socket (default: ${DEFAULT-VALUE}).")
  Path agent = AgentConfig.DEFAULT_CONTROL;

  @Option(names = "--pin", description = "Keep the model's chunks resident (never evicted) until 'modelfs unpin REF'.")
  boolean pin;

  @Option(names = "--json", description = "No progress bar; print the final counts as JSON (PullProgress of control.proto).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    String parsed = ref.contains("@") ? ModelRef.parse(ref).toString() : checkedName(ref);
    ProgressBar[] bar = new ProgressBar[1];
    ControlResponse last;
    try {
      last = ControlClient.call(agent,
          ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(parsed).setPin(pin)).build(),
          r -> {
            PullProgress p = r.getProgress();
            if (json) {
              return;
            }
            if (bar[0] == null) {
              bar[0] = ImportProgress.ProgressBars.bytes("pull " + nameOf(parsed), p.getBytesTotal());
            }
            bar[0].stepTo(p.getBytesDone());
            // The bar shows the rate; the split says where the bytes came from.
            bar[0].setExtraMessage(split(p));
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
    String resolved = done.getRef().isEmpty() ? parsed : done.getRef();
    if (json) {
      System.out.println(com.google.protobuf.util.JsonFormat.printer().alwaysPrintFieldsWithNoPresence().print(done));
      return 0;
    }
    double secs = Math.max(done.getElapsedMillis(), 1) / 1000.0;
    System.out.printf("pulled %s: %d chunks, %s (%s) in %.1f s%n",
        parsed.equals(resolved) ? resolved : parsed + " (" + resolved + ")",
        done.getChunksTotal(), ByteSize.format(done.getBytesTotal()), split(done), secs);
    if (pin) {
      System.out.println("pinned " + resolved + ": its chunks stay until 'modelfs unpin " + resolved + "'");
    }
    return 0;
  }

  /** Where the bytes done came from: {@code peers 3.0 MiB, origin 1.0 MiB, already local 0 B}. */
  static String split(PullProgress p) {
    return "peers " + ByteSize.format(p.getBytesPeer()) + ", origin " + ByteSize.format(p.getBytesOrigin())
        + ", already local " + ByteSize.format(p.getBytesLocal());
  }

  /** {@code NAME[:TAG]} checked here so that a typo fails before the agent is asked; the agent resolves it. */
  private static String checkedName(String text) {
    int colon = text.indexOf(':');
    try {
      ModelRef.checkName(colon < 0 ? text : text.substring(0, colon));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "' is neither a ref (<name>@sha256:<64 hex>) nor NAME[:TAG]: "
          + e.getMessage());
    }
    if (colon == text.length() - 1 || text.indexOf(':', colon + 1) >= 0) {
      throw new IllegalArgumentException("'" + text + "' is neither a ref (<name>@sha256:<64 hex>) nor NAME[:TAG]");
    }
    return text;
  }

  private static String nameOf(String refOrName) {
    int cut = refOrName.indexOf('@') >= 0 ? refOrName.indexOf('@') : refOrName.indexOf(':');
    return cut < 0 ? refOrName : refOrName.substring(0, cut);
  }
}
