package io.modelfs.agent.cli;

import io.modelfs.agent.Agent;
import io.modelfs.agent.AgentConfig;
import io.modelfs.core.Durations;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "agent", description = "Run the node agent: mount models read-only and serve the control socket until stopped.")
final class AgentCommand implements Callable<Integer> {
  @Option(names = "--mount", required = true, description = "Directory to mount the models at.")
  Path mount;

  @Option(names = "--store", required = true, description = "Chunk store directory (local NVMe).")
  Path store;

  @Option(names = "--manifests", required = true, description = "Manifests location URI; repeat for several.")
  List<String> manifests;

  @Option(names = "--control", description = "Control socket (default: ${DEFAULT-VALUE}).")
  Path control = AgentConfig.DEFAULT_CONTROL;

  @Option(names = "--read-timeout", description = "How long a read waits for a missing chunk before EIO (default: ${DEFAULT-VALUE}).")
  String readTimeout = "3m";

  @Option(names = "--fetch-threads", description = "Chunk loads at once (default: ${DEFAULT-VALUE}).")
  int fetchThreads = 8;

  @Option(names = "--readahead", description = "Chunks fetched ahead of a sequential reader (default: ${DEFAULT-VALUE}).")
  int readahead = 4;

  @Override
  public Integer call() throws Exception {
    AgentConfig config = AgentConfig.of(mount, store, manifests, control)
        .withReadTimeout(Durations.parse(readTimeout))
        .withFetchThreads(fetchThreads)
        .withReadaheadChunks(readahead);
    Agent agent = Agent.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      stopped.countDown();
    }, "agent-shutdown"));
    System.err.println("modelfs agent: serving " + mount + "; control socket " + control + "; Ctrl-C to stop");
    stopped.await();
    return 0;
  }
}
