package io.modelfs.p2p;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.modelfs.core.proto.ChunkRequest;
import io.modelfs.core.proto.Have;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class FrameCodecTest {
  private final EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024, 1 << 20), FrameEncoder.INSTANCE);

  @AfterEach
  void close() {
    ch.finishAndReleaseAll();
  }

  private static ByteBuf hex(String h) {
    return Unpooled.wrappedBuffer(HexFormat.of().parseHex(h.replace(" ", "")));
  }

  @Test
  void decodesAHaveFrameFromBytes() {
    // <u32 len=1+5><u8 0x04><protobuf: model=0a 01 aa? no: field1 bytes "x", field2 packed [3]>
    Have have = Have.newBuilder().setModel(ByteString.copyFromUtf8("x")).addChunks(3).build();
    byte[] body = have.toByteArray();
    ByteBuf frame = Unpooled.buffer().writeInt(1 + body.length).writeByte(0x04).writeBytes(body);
    ch.writeInbound(frame);
    assertEquals(have, ch.readInbound());
  }

  @Test
  void encodesControlMessagesAsLengthTypeBody() {
    ChunkRequest r = ChunkRequest.newBuilder().setId(7).setLength(10).build();
    ch.writeOutbound(r);
    ByteBuf out = ch.readOutbound();
    try {
      assertEquals(1 + r.getSerializedSize(), out.readInt());
      assertEquals(Wire.REQUEST, out.readByte());
      byte[] body = new byte[out.readableBytes()];
      out.readBytes(body);
      assertArrayEquals(r.toByteArray(), body);
    } finally {
      out.release();
    }
  }

  @Test
  void roundTripsAFrameSplitAcrossManyReads() {
    ChunkRequest r = ChunkRequest.newBuilder().setId(99).setOffset(5).setLength(1000)
        .setDigest(ByteString.copyFrom(new byte[32])).build();
    ch.writeOutbound(r);
    ByteBuf wire = ch.readOutbound();
    while (wire.isReadable()) {
      ch.writeInbound(wire.readRetainedSlice(1));
    }
    wire.release();
    assertEquals(r, ch.readInbound());
  }

  @Test
  void streamsDataFramesAsSlicesWithoutBufferingTheWholeChunk() {
    byte[] payload = new byte[3000];
    new Random(1).nextBytes(payload);
    ByteBuf header = FrameEncoder.dataHeader(ch.alloc(), 42, payload.length);
    ch.writeInbound(header);
    ch.writeInbound(Unpooled.wrappedBuffer(payload, 0, 1000));
    DataStart start = ch.readInbound();
    assertEquals(new DataStart(42, 3000), start);
    ByteBuf got = Unpooled.buffer();
    DataBytes first = ch.readInbound();
    assertEquals(42, first.id());
    got.writeBytes(first.content());
    first.release();
    ch.writeInbound(Unpooled.wrappedBuffer(payload, 1000, 2000));
    DataBytes d;
    while ((d = ch.readInbound()) != null) {
      got.writeBytes(d.content());
      d.release();
    }
    assertArrayEquals(payload, ByteBufUtilCopy.bytes(got));
    got.release();
  }

  @Test
  void chargesATinySliceTheWholeReadBufferItKeepsAlive() {
    // header + 10 payload bytes arriving in one 64 KiB read buffer: the slice pins all 64 KiB
    ByteBuf read = Unpooled.directBuffer(65536, 65536).writeBytes(hex("00000013 20 0000000000000007"))
        .writeBytes(new byte[10]);
    ch.writeInbound(read);
    assertEquals(new DataStart(7, 10), ch.readInbound());
    DataBytes d = ch.readInbound();
    try {
      assertEquals(10, d.content().readableBytes());
      assertEquals(65536, d.cost());
    } finally {
      d.release();
    }
  }

  @Test
  void rejectsAnOversizedLengthPrefixBeforeReadingTheBody() {
    // a HAVE frame announcing 16 MiB, beyond the 1 KiB control limit: refused from the header alone
    DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(hex("01000001 04")));
    assertInstanceOf(TooLongFrameException.class, e);
    assertTrue(e.getMessage().contains("16777216"), e.getMessage());
  }

  @Test
  void rejectsAnOversizedDataFrame() {
    // DATA carrying 2 MiB when the limit is 1 MiB
    assertThrows(TooLongFrameException.class, () -> ch.writeInbound(hex("00200009 20 0000000000000001")));
  }

  @Test
  void rejectsAnUnknownType() {
    DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(hex("00000001 7f")));
    assertInstanceOf(CorruptedFrameException.class, e);
    assertTrue(e.getMessage().contains("0x7f"), e.getMessage());
  }

  @Test
  void rejectsAZeroLengthFrame() {
    assertThrows(CorruptedFrameException.class, () -> ch.writeInbound(hex("00000000 00")));
  }

  @Test
  void rejectsABodyThatIsNotProtobuf() {
    // REQUEST whose body is a truncated varint
    DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(hex("00000003 06 08ff")));
    assertTrue(e.getMessage().contains("does not parse"), e.getMessage());
  }

  @Test
  void discardsEverythingAfterAnErrorInsteadOfResynchronising() {
    assertThrows(DecoderException.class, () -> ch.writeInbound(hex("00000001 7f")));
    Have have = Have.newBuilder().addChunks(1).build();
    byte[] body = have.toByteArray();
    ch.writeInbound(Unpooled.buffer().writeInt(1 + body.length).writeByte(0x04).writeBytes(body));
    assertNull(ch.readInbound());
  }

  @Test
  void survivesRandomBytesWithAnErrorAndNoLeak() {
    Random r = new Random(7);
    for (int round = 0; round < 200; round++) {
      EmbeddedChannel c = new EmbeddedChannel(new FrameDecoder(1024, 4096));
      byte[] junk = new byte[1 + r.nextInt(300)];
      r.nextBytes(junk);
      try {
        c.writeInbound(Unpooled.wrappedBuffer(junk));
      } catch (DecoderException expected) {
        // random bytes are almost always refused; the point is: no other exception, no leak
      }
      c.finishAndReleaseAll();
    }
  }

  /** Copies readable bytes out of a buffer (test helper). */
  static final class ByteBufUtilCopy {
    static byte[] bytes(ByteBuf b) {
      byte[] a = new byte[b.readableBytes()];
      b.getBytes(b.readerIndex(), a);
      return a;
    }
  }
}
