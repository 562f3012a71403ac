package dev.nanogen.gateway.uploads;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/**
 * Real images for the upload tests, written by the JDK's own encoders (JPEG, PNG, GIF), a WebP from
 * the format's published 1x1 lossless example, and the metadata a phone puts in: EXIF with a GPS
 * position and an orientation, an XMP packet naming the position.
 */
public final class TestImages {
  /** The GPS latitude written into {@link #jpegWithLocation}: 55° 45' 21.06". */
  public static final int[] LATITUDE = {55, 1, 45, 1, 2106, 100};

  /** A 1x1 lossless WebP (RIFF, VP8L). */
  public static final byte[] WEBP =
      Base64.getDecoder().decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==");

  private TestImages() {}

  public static byte[] jpeg(int width, int height) {
    return encode("jpg", width, height, BufferedImage.TYPE_INT_RGB);
  }

  public static byte[] png(int width, int height) {
    return encode("png", width, height, BufferedImage.TYPE_INT_ARGB);
  }

  public static byte[] gif(int width, int height) {
    return encode("gif", width, height, BufferedImage.TYPE_INT_RGB);
  }

  private static byte[] encode(String format, int width, int height, int type) {
    BufferedImage image = new BufferedImage(width, height, type);
    for (int x = 0; x < width; x++) {
      for (int y = 0; y < height; y++) {
        image.setRGB(x, y, 0xFF000000 | (x * 255 / width) << 16 | (y * 255 / height) << 8);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, format, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * A JPEG with an EXIF segment (orientation 6, a GPS directory with {@link #LATITUDE}) and an XMP
   * segment naming the position, right after its start marker.
   */
  public static byte[] jpegWithLocation(int width, int height) {
    byte[] plain = jpeg(width, height);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(plain, 0, 2);
    segment(out, 0xE1, exifWithGps());
    segment(
        out,
        0xE1,
        ("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>55,45.351N</exif:GPSLatitude></x:xmpmeta>")
            .getBytes(StandardCharsets.ISO_8859_1));
    out.write(plain, 2, plain.length - 2);
    return out.toByteArray();
  }

  /** "Exif\0\0", then a little-endian TIFF: IFD0 (orientation, GPS pointer), the GPS IFD. */
  static byte[] exifWithGps() {
    ByteBuffer tiff = ByteBuffer.allocate(100).order(ByteOrder.LITTLE_ENDIAN);
    tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
    // IFD0 at 8: two entries, then the next-IFD offset (0).
    tiff.putShort((short) 2);
    tiff.putShort((short) 0x0112)
        .putShort((short) 3)
        .putInt(1)
        .putShort((short) 6)
        .putShort((short) 0);
    tiff.putShort((short) 0x8825).putShort((short) 4).putInt(1).putInt(38);
    tiff.putInt(0);
    // GPS IFD at 38: LatitudeRef "N", Latitude (3 rationals at 68).
    tiff.putShort((short) 2);
    tiff.putShort((short) 1)
        .putShort((short) 2)
        .putInt(2)
        .put((byte) 'N')
        .put((byte) 0)
        .putShort((short) 0);
    tiff.putShort((short) 2).putShort((short) 5).putInt(3).putInt(68);
    tiff.putInt(0);
    for (int value : LATITUDE) {
      tiff.putInt(value);
    }
    ByteArrayOutputStream exif = new ByteArrayOutputStream();
    exif.writeBytes("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1));
    exif.write(tiff.array(), 0, tiff.position());
    return exif.toByteArray();
  }

  /** A PNG whose header claims {@code width} x {@code height}, and nothing a decoder could use. */
  public static byte[] pngClaiming(int width, int height) {
    ByteBuffer out = ByteBuffer.allocate(8 + 25 + 12 + 64);
    out.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    byte[] header =
        ByteBuffer.allocate(13)
            .putInt(width)
            .putInt(height)
            .put(new byte[] {8, 2, 0, 0, 0})
            .array();
    chunk(out, "IHDR", header);
    chunk(out, "IDAT", new byte[52]);
    return out.array();
  }

  /** A PNG with a text chunk naming a place after its header. */
  public static byte[] pngWithText(int width, int height) {
    byte[] plain = png(width, height);
    ByteBuffer out = ByteBuffer.allocate(plain.length + 12 + 40);
    out.put(plain, 0, 33);
    chunk(out, "tEXt", "Location\0Tashkent 41.31N 69.28E".getBytes(StandardCharsets.ISO_8859_1));
    out.put(plain, 33, plain.length - 33);
    return java.util.Arrays.copyOf(out.array(), out.position());
  }

  private static void chunk(ByteBuffer out, String type, byte[] data) {
    out.putInt(data.length);
    byte[] name = type.getBytes(StandardCharsets.ISO_8859_1);
    out.put(name).put(data);
    CRC32 crc = new CRC32();
    crc.update(name);
    crc.update(data);
    out.putInt((int) crc.getValue());
  }

  private static void segment(ByteArrayOutputStream out, int type, byte[] body) {
    out.write(0xFF);
    out.write(type);
    out.write((body.length + 2) >> 8);
    out.write((body.length + 2) & 0xFF);
    out.writeBytes(body);
  }

  /** Whether {@code haystack} holds the bytes of {@code needle}. */
  public static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** The latitude's rationals as they sit in a little-endian TIFF. */
  public static byte[] latitudeBytes() {
    ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    for (int value : LATITUDE) {
      b.putInt(value);
    }
    return b.array();
  }
}
