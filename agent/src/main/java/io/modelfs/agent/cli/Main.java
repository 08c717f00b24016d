package io.modelfs.agent.cli;

import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code modelfs} command line. */
@Command(
    name = "modelfs",
    mixinStandardHelpOptions = true,
    version = "modelfs 0.1.0",
    description = "Model weights from object storage, mounted read-only on every node and shared peer to peer.",
    subcommands = {
      DemoCommand.class,
      AgentCommand.class,
      ImportCommand.class,
      PullCommand.class,
      StatusCommand.class,
      LabelCommand.class,
      LsCommand.class,
      GcCommand.class,
      VerifyCommand.class,
      UnpinCommand.class,
      TrackerCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  private static final Set<String> DAEMONS = Set.of("agent", "demo", "tracker");

  public static void main(String[] args) {
    if (System.getProperty("modelfs.log.level") == null) {
      System.setProperty("modelfs.log.level", args.length > 0 && DAEMONS.contains(args[0]) ? "INFO" : "WARN");
    }
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("modelfs: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return 1;
    });
    return cl;
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
