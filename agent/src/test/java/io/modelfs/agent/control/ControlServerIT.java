package io.modelfs.agent.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.proto.AgentStatus;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.StatusRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control socket's file mode and group, read back from the file system, on a real socket. */
class ControlServerIT {
  private static final ControlService STATUS = (request, out) ->
      out.send(ControlResponse.newBuilder().setStatus(AgentStatus.getDefaultInstance()).build());
  private static final ControlRequest ASK = ControlRequest.newBuilder().setStatus(StatusRequest.getDefaultInstance()).build();

  @TempDir Path tmp;

  @Test
  void socketIsOwnerOnlyAndServes() throws IOException {
    Path sock = tmp.resolve("run/agent.sock");
    try (ControlServer s = ControlServer.start(sock, STATUS)) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
      assertTrue(ControlClient.call(sock, ASK, r -> { }).hasStatus());
      try (Stream<Path> left = Files.list(sock.getParent())) {
        assertEquals(1, left.count(), "the private staging directory was not removed");
      }
    }
    assertFalse(Files.exists(sock));
  }

  @Test
  void socketWithAGroupIsReadableAndWritableByThatGroupOnly() throws IOException {
    String group = aGroupWeMayUse();
    Path sock = tmp.resolve("agent.sock");
    try (ControlServer s = ControlServer.start(sock, STATUS, group)) {
      PosixFileAttributes attrs = Files.readAttributes(sock, PosixFileAttributes.class);
      assertEquals("rw-rw----", PosixFilePermissions.toString(attrs.permissions()));
      assertEquals(group, attrs.group().getName());
      assertTrue(ControlClient.call(sock, ASK, r -> { }).hasStatus());
    }
  }

  @Test
  void refusesAGroupThatDoesNotExistAndLeavesNoSocket() {
    Path sock = tmp.resolve("agent.sock");
    IOException e = assertThrows(IOException.class, () -> ControlServer.start(sock, STATUS, "no-such-group-xyz"));
    assertTrue(e.getMessage().contains("'no-such-group-xyz' does not exist"), e.getMessage());
    assertFalse(Files.exists(sock));
  }

  /** Root may give the socket any group: pick one that is not its own; others use their own group. */
  private String aGroupWeMayUse() throws IOException {
    Path probe = Files.createFile(tmp.resolve("probe"));
    String own = Files.readAttributes(probe, PosixFileAttributes.class).group().getName();
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      try {
        tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("daemon");
        return "daemon";
      } catch (IOException e) {
        return own;
      }
    }
    return own;
  }
}
