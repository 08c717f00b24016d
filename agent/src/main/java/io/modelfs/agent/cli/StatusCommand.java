package io.modelfs.agent.cli;

import io.modelfs.agent.AgentConfig;
import io.modelfs.agent.control.ControlClient;
import io.modelfs.core.ByteSize;
import io.modelfs.core.proto.AgentStatus;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.StatusRequest;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "status", description = "Show what the running agent serves and holds.")
final class StatusCommand implements Callable<Integer> {
  @Option(names = "--agent", description = "The agent's control socket (default: ${DEFAULT-VALUE}).")
  Path agent = AgentConfig.DEFAULT_CONTROL;

  @Override
  public Integer call() throws Exception {
    ControlResponse r = ControlClient.call(agent,
        ControlRequest.newBuilder().setStatus(StatusRequest.getDefaultInstance()).build(), p -> {});
    if (r.hasError()) {
      System.err.println("modelfs status: " + r.getError().getMessage());
      return 1;
    }
    AgentStatus s = r.getStatus();
    System.out.println("mount:  " + s.getMount());
    System.out.println("store:  " + s.getStoreDir() + " (" + s.getStoredChunks() + " chunks, "
        + ByteSize.format(s.getStoredBytes()) + ")");
    System.out.println("models: " + (s.getModelsCount() == 0 ? "none opened yet" : ""));
    s.getModelsList().forEach(m -> System.out.println("  " + m));
    return 0;
  }
}
