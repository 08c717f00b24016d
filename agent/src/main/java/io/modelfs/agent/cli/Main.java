package io.modelfs.agent.cli;

import java.util.List;
import java.util.Map;
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
      KeygenCommand.class,
      PullCommand.class,
      StatusCommand.class,
      LabelCommand.class,
      LsCommand.class,
      GcCommand.class,
      VerifyCommand.class,
      UnpinCommand.class,
      TrackerCommand.class,
      io.modelfs.sim.SimulateCommand.class,
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
    return commandLine(System.getenv());
  }

  /**
   * Prints a command's failure; returns the exit code. An expected failure (I/O, a refused
   * request, bad input: checked exceptions and IllegalArgument/IllegalState) is one line naming
   * what went wrong; anything else is a bug, said as such, with its stack trace to report.
   */
  static int report(Exception e, java.io.PrintWriter err) {
    boolean expected = !(e instanceof RuntimeException) || e instanceof IllegalArgumentException
        || e instanceof IllegalStateException || e instanceof java.io.UncheckedIOException;
    if (expected) {
      err.println("modelfs: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
    } else {
      err.println("modelfs: internal error (" + e + "); this is a bug — please report it with the trace below");
      e.printStackTrace(err);
    }
    err.flush();
    return 1;
  }

  /** The command line with daemon settings layered over {@code env} (see {@link ConfigLayers}). */
  static CommandLine commandLine(Map<String, String> env) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, commandLine.getErr()));
    for (String daemon : List.of("agent", "tracker")) {
      cl.getSubcommands().get(daemon).setDefaultValueProvider(new ConfigLayers(env));
    }
    CommandLine.IParameterExceptionHandler picocli = cl.getParameterExceptionHandler();
    cl.setParameterExceptionHandler((ex, args) -> picocli.handleParseException(layered(ex), args));
    return cl;
  }

  /** A bad value that came from the config file or a variable names that layer, not only the option. */
  private static CommandLine.ParameterException layered(CommandLine.ParameterException ex) {
    if (ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o
        && o.command().defaultValueProvider() instanceof ConfigLayers layers && layers.fromLayer(o)
        && !ex.getCommandLine().getParseResult().hasMatchedOption(o)) {
      return new CommandLine.ParameterException(ex.getCommandLine(), "bad value for setting '" + ConfigLayers.key(o)
          + "' (from " + layers.source(o) + "): " + ex.getMessage(), ex, o, ex.getValue());
    }
    return ex;
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
