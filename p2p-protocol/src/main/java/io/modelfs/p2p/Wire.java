package io.modelfs.p2p;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.modelfs.core.proto.Bitfield;
import io.modelfs.core.proto.Cancel;
import io.modelfs.core.proto.ChunkRequest;
import io.modelfs.core.proto.Dropped;
import io.modelfs.core.proto.Have;
import io.modelfs.core.proto.PeerAuth;
import io.modelfs.core.proto.PeerHello;
import io.modelfs.core.proto.Refuse;
import java.util.Map;

/**
 * The frame layout and message types of the peer protocol (PROTOCOL.md is the full
 * description). Every frame:
 *
 * <pre>
 *   frame:   &lt;u32 length&gt;&lt;u8 type&gt;&lt;body: length - 1 bytes&gt;        (big-endian)
 *   control: body = one protobuf message of the type's class, at most maxControlFrame bytes
 *   data:    &lt;u32 length = 9 + n&gt;&lt;u8 0x20&gt;&lt;u64 request id&gt;&lt;n chunk bytes&gt;, n &lt;= maxChunk
 *   keepalive: &lt;u32 1&gt;&lt;u8 0x09&gt;
 * </pre>
 */
final class Wire {
  /** The protocol version this build speaks; it also accepts {@code VERSION - 1}. */
  static final int VERSION = 1;
  /** The oldest version that exists; nothing below is accepted whatever the local version. */
  static final int MIN_VERSION = 1;

  static final byte HELLO = 0x01;
  static final byte AUTH = 0x02;
  static final byte BITFIELD = 0x03;
  static final byte HAVE = 0x04;
  static final byte DROPPED = 0x05;
  static final byte REQUEST = 0x06;
  static final byte CANCEL = 0x07;
  static final byte REFUSE = 0x08;
  static final byte KEEPALIVE = 0x09;
  static final byte DATA = 0x20;

  /** Length prefix and type byte. */
  static final int HEADER = 5;
  /** The request id that follows a DATA frame's type byte. */
  static final int DATA_ID = 8;

  private static final Map<Byte, Parser<? extends MessageLite>> PARSERS = Map.of(
      HELLO, PeerHello.parser(),
      AUTH, PeerAuth.parser(),
      BITFIELD, Bitfield.parser(),
      HAVE, Have.parser(),
      DROPPED, Dropped.parser(),
      REQUEST, ChunkRequest.parser(),
      CANCEL, Cancel.parser(),
      REFUSE, Refuse.parser());

  private Wire() {}

  /** The parser for a control frame's body, or null if {@code type} is not a control type. */
  static Parser<? extends MessageLite> parser(byte type) {
    return PARSERS.get(type);
  }

  /** The type byte for a control message; throws for a class that is not a peer message. */
  static byte typeOf(MessageLite message) {
    if (message instanceof PeerHello) {
      return HELLO;
    } else if (message instanceof PeerAuth) {
      return AUTH;
    } else if (message instanceof Bitfield) {
      return BITFIELD;
    } else if (message instanceof Have) {
      return HAVE;
    } else if (message instanceof Dropped) {
      return DROPPED;
    } else if (message instanceof ChunkRequest) {
      return REQUEST;
    } else if (message instanceof Cancel) {
      return CANCEL;
    } else if (message instanceof Refuse) {
      return REFUSE;
    }
    throw new IllegalArgumentException("not a peer message: " + message.getClass().getName());
  }

  /** A keepalive frame, sent when the connection has been quiet for half the idle timeout. */
  enum KeepAlive {
    INSTANCE
  }
}
