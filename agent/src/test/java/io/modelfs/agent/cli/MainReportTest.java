package io.modelfs.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** How the CLI reports a command's failure: one line when expected, a bug report otherwise. */
class MainReportTest {
  @Test
  void anExpectedFailureIsOneLineNamingWhatWentWrong() {
    StringWriter out = new StringWriter();
    assertEquals(1, Main.report(new IOException("s3://b/m/ does not exist"), new PrintWriter(out)));
    assertEquals("modelfs: s3://b/m/ does not exist", out.toString().strip());
  }

  @Test
  void anUnexpectedExceptionIsCalledABugAndCarriesItsTrace() {
    StringWriter out = new StringWriter();
    assertEquals(1, Main.report(new NullPointerException(), new PrintWriter(out)));
    String text = out.toString();
    assertTrue(text.startsWith("modelfs: internal error (java.lang.NullPointerException)"), text);
    assertTrue(text.contains("at io.modelfs.agent.cli.MainReportTest"), "the stack trace: " + text);
    assertFalse(text.lines().count() < 3, text);
  }
}
