package io.modelfs.agent.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import org.slf4j.LoggerFactory;

/**
 * How a daemon's log lines look on stderr: {@code text} (the pattern in logback.xml, MDC as
 * {@code key=value} at the end) or {@code json}, one JSON object per line from Logback's own
 * {@link JsonEncoder}: {@code timestamp} (epoch millis), {@code level}, {@code loggerName},
 * {@code threadName}, {@code message} (the template, stable for grouping), {@code
 * formattedMessage} (the text), {@code mdc} (node, model where set), {@code throwable} and
 * {@code context.properties} (the node id, on every line, whatever the thread).
 */
enum LogFormat {
  TEXT,
  JSON;

  /** Parses {@code text} or {@code json} (any case); throws IllegalArgumentException otherwise. */
  static LogFormat parse(String s) {
    return switch (s == null ? "" : s.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "text" -> TEXT;
      case "json" -> JSON;
      default -> throw new IllegalArgumentException("the log format is 'text' or 'json'");
    };
  }

  /** Switches the console appender's encoder to this format (text is what logback.xml sets up). */
  void apply() {
    if (this == TEXT || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return;
    }
    Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    if (!(root.getAppender("STDERR") instanceof OutputStreamAppender<ILoggingEvent> appender)) {
      return;
    }
    JsonEncoder json = new JsonEncoder();
    json.setContext(ctx);
    json.setWithSequenceNumber(false);
    json.setWithNanoseconds(false);
    json.setWithArguments(false);
    json.setWithFormattedMessage(true);
    json.start();
    appender.stop();
    appender.setEncoder(json);
    appender.start();
  }

  /** Puts {@code nodeId} on every line from now on (a logger-context property, seen by every thread). */
  static void node(String nodeId) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.putProperty("node", nodeId);
    }
  }
}
