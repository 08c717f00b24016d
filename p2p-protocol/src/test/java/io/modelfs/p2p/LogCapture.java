package io.modelfs.p2p;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Collects the log lines of the whole JVM while open (to check that a refusal is logged). */
final class LogCapture implements AutoCloseable {
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  LogCapture() {
    appender.start();
    root.addAppender(appender);
  }

  List<String> lines() {
    return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** Waits up to 5 s for a line containing all of {@code parts}; returns it or null. */
  String await(String... parts) throws InterruptedException {
    for (int i = 0; i < 500; i++) {
      for (String l : List.copyOf(appender.list).stream().map(ILoggingEvent::getFormattedMessage).toList()) {
        if (java.util.Arrays.stream(parts).allMatch(l::contains)) {
          return l;
        }
      }
      Thread.sleep(10);
    }
    return null;
  }

  @Override
  public void close() {
    root.detachAppender(appender);
  }
}
