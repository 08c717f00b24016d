package io.modelfs.tracker;

import io.modelfs.core.testing.TestPki;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.TlsFiles;
import io.modelfs.core.proto.PingProto;
import io.modelfs.core.proto.ResolveProto;
import io.modelfs.core.proto.TrackerRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeAuthenticatorTest {
  private static final long NOW = 1_800_000_000_000L;
  @TempDir Path dir;
  private TestPki pki;
  private NodeAuthenticator auth;
  private NodeCredentials nodeA;

  @BeforeEach
  void setUp() throws Exception {
    pki = new TestPki("ca", dir.resolve("ca"));
    TlsFiles tracker = pki.issue("t1");
    auth = NodeAuthenticator.certificates(tracker);
    nodeA = NodeCredentials.load(pki.issue("node-a"));
  }

  private static TrackerRequest ping(String node) {
    return TrackerRequest.newBuilder().setPing(PingProto.newBuilder().setNodeId(node)).build();
  }

  private void check(byte[] sent) throws TrackerException {
    auth.check(sent, parse(sent), NOW);
  }

  private static TrackerRequest parse(byte[] b) {
    try {
      return TrackerRequest.parseFrom(b);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void assertForbidden(byte[] sent, String why) {
    TrackerException e = assertThrows(TrackerException.class, () -> check(sent));
    assertEquals(TrackerException.Code.FORBIDDEN, e.code());
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  @Test
  void acceptsASignedRequestForTheCertificatesNodeAndRequestsThatNameNoNode() throws Exception {
    check(nodeA.signedBytes(ping("node-a"), NOW - 1000));
    check(TrackerRequest.newBuilder().setResolve(ResolveProto.newBuilder().setName("m")).build().toByteArray());
  }

  @Test
  void refusesUnsignedOtherNodesTamperedStaleAndForeignProofs() throws Exception {
    assertForbidden(ping("node-a").toByteArray(), "carries no certificate proof");
    assertForbidden(nodeA.signedBytes(ping("node-b"), NOW), "not for that node");
    byte[] tampered = nodeA.signedBytes(ping("node-a"), NOW);
    tampered[tampered.length - 1] ^= 1; // the signature's last byte
    assertForbidden(tampered, "does not verify");
    assertForbidden(nodeA.signedBytes(ping("node-a"), NOW - NodeAuthenticator.MAX_SKEW.toMillis() - 1), "from the tracker's clock");
    NodeCredentials foreign = NodeCredentials.load(new TestPki("other", dir.resolve("other")).issue("node-a"));
    assertForbidden(foreign.signedBytes(ping("node-a"), NOW), "not valid under the tracker's CA");
  }
}
