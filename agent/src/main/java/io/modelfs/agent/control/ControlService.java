package io.modelfs.agent.control;

import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import java.io.IOException;

/** What the control socket serves; called on a connection's thread, one request per connection. */
public interface ControlService {
  /**
   * Answers {@code request} with any number of progress messages and then one final message.
   * An exception is sent to the client as an error message.
   */
  void handle(ControlRequest request, Responder out) throws IOException;

  /** Sends one message to the client. */
  interface Responder {
    void send(ControlResponse response) throws IOException;
  }
}
