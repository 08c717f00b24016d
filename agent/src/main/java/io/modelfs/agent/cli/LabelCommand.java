package io.modelfs.agent.cli;

import io.modelfs.agent.k8s.ModelLabel;
import io.modelfs.core.ModelRef;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "label",
    description = "Print the Kubernetes Node label (key=value) an agent sets while it holds the model whole; use the key in node affinity.")
final class LabelCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "REF", description = "name@sha256:<hex>, as printed by 'modelfs import'.")
  String ref;

  @Override
  public Integer call() {
    System.out.println(ModelLabel.of(ModelRef.parse(ref)));
    return 0;
  }
}
