import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/** Runs one test class with the JUnit Platform launcher (bench scripts run ITs from a snapshot of the classes this way). */
public final class JUnitRun {
  public static void main(String[] args) {
    Launcher launcher = LauncherFactory.create();
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(args[0])).build(), summary);
    summary.getSummary().printTo(new java.io.PrintWriter(System.err));
    summary.getSummary().printFailuresTo(new java.io.PrintWriter(System.err), 30);
    System.exit(summary.getSummary().getTotalFailureCount() == 0 && summary.getSummary().getTestsSucceededCount() > 0 ? 0 : 1);
  }
}
