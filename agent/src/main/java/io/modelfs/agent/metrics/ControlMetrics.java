package io.modelfs.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.modelfs.agent.control.ControlService;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts control requests by command and outcome ({@code ok}, or {@code error} when the final
 * answer is an error or the service threw) and the pulls running now. Thread-safe.
 */
final class ControlMetrics {
  private final MeterRegistry registry;
  private final AtomicInteger pullsActive = new AtomicInteger();

  ControlMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("modelfs.pulls.active", pullsActive, AtomicInteger::get)
        .description("Pulls running now").register(registry);
  }

  ControlService metered(ControlService service) {
    return (request, out) -> {
      boolean pull = request.getCommandCase() == ControlRequest.CommandCase.PULL;
      if (pull) {
        pullsActive.incrementAndGet();
      }
      boolean[] failed = {false};
      try {
        service.handle(request, response -> {
          if (response.getBodyCase() == ControlResponse.BodyCase.ERROR) {
            failed[0] = true;
          }
          out.send(response);
        });
      } catch (IOException | RuntimeException e) {
        failed[0] = true;
        throw e;
      } finally {
        if (pull) {
          pullsActive.decrementAndGet();
        }
        count(request, failed[0] ? "error" : "ok");
      }
    };
  }

  private void count(ControlRequest request, String outcome) {
    Counter.builder("modelfs.control.requests")
        .tag("command", request.getCommandCase().name().toLowerCase(Locale.ROOT))
        .tag("outcome", outcome)
        .description("Control socket requests by command and outcome")
        .register(registry)
        .increment();
  }
}
