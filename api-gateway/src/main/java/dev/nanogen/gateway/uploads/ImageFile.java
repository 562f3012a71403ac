package dev.nanogen.gateway.uploads;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads an uploaded image once, from its own bytes (never its name or declared type), and writes a
 * copy without location metadata. JPEG, PNG and WebP are taken; their width and height come from
 * the header, and an image whose header claims more than the pixel cap is refused before anything
 * past the header is read, so nothing is ever decoded (the provider decodes what we pass on).
 *
 * <p>What is removed: in a JPEG, the EXIF GPS directory (the rest of EXIF stays: orientation turns
 * phone photos the right way up) and every XMP segment; in a PNG, the eXIf chunk and all text
 * chunks; in a WebP, its EXIF and XMP chunks. Pixels are copied byte for byte.
 */
final class ImageFile {
  /** What was read: the type by content, and the header's dimensions. */
  record Probe(String contentType, int width, int height) {}

  /** Why an upload is refused. */
  static final class Refused extends Exception {
    enum Why {
      NOT_AN_IMAGE,
      UNREADABLE,
      TOO_MANY_PIXELS
    }

    private final Why why;

    Refused(Why why, String message) {
      super(message, null, false, false);
      this.why = why;
    }

    Why why() {
      return why;
    }
  }

  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  private static final byte[] EXIF = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
  private static final String XMP = "http://ns.adobe.com/xap/1.0/";
  private static final String XMP_EXTENDED = "http://ns.adobe.com/xmp/extension/";
  private static final int GPS_IFD = 0x8825;

  private ImageFile() {}

  /**
   * Reads {@code in} and writes the image without its location to {@code out}; answers what it is.
   */
  static Probe clean(InputStream in, Path out, long maxPixels) throws IOException, Refused {
    DataInputStream data = new DataInputStream(in);
    byte[] head = data.readNBytes(12);
    try (OutputStream target = Files.newOutputStream(out)) {
      if (head.length >= 3
          && (head[0] & 0xFF) == 0xFF
          && (head[1] & 0xFF) == 0xD8
          && (head[2] & 0xFF) == 0xFF) {
        return jpeg(head, data, target, maxPixels);
      }
      if (head.length >= 8 && Arrays.equals(head, 0, 8, PNG, 0, 8)) {
        return png(head, data, target, maxPixels);
      }
      if (head.length == 12
          && new String(head, 0, 4, StandardCharsets.ISO_8859_1).equals("RIFF")
          && new String(head, 8, 4, StandardCharsets.ISO_8859_1).equals("WEBP")) {
        Probe probe = webp(head, data, target, maxPixels);
        target.close();
        fixRiffSize(out);
        return probe;
      }
    } catch (EOFException e) {
      throw new Refused(Refused.Why.UNREADABLE, "the image ends before its header does");
    }
    throw new Refused(Refused.Why.NOT_AN_IMAGE, "not a JPEG, PNG or WebP image");
  }

  private static void check(int width, int height, long maxPixels) throws Refused {
    if (width <= 0 || height <= 0) {
      throw new Refused(Refused.Why.UNREADABLE, "the image's header names no size");
    }
    if ((long) width * height > maxPixels) {
      throw new Refused(
          Refused.Why.TOO_MANY_PIXELS,
          "the image is " + width + "x" + height + ", more than " + maxPixels + " pixels");
    }
  }

  // --- JPEG: segments up to the scan; the scan and what follows are copied as they are.

  private static Probe jpeg(byte[] head, DataInputStream in, OutputStream out, long maxPixels)
      throws IOException, Refused {
    InputStream all =
        new SequenceInputStream(new ByteArrayInputStream(head, 2, head.length - 2), in);
    DataInputStream data = new DataInputStream(all);
    out.write(0xFF);
    out.write(0xD8);
    int width = 0;
    int height = 0;
    while (true) {
      int marker = data.readUnsignedByte();
      if (marker != 0xFF) {
        throw new Refused(Refused.Why.UNREADABLE, "a JPEG segment does not start with a marker");
      }
      int type = data.readUnsignedByte();
      while (type == 0xFF) {
        type = data.readUnsignedByte();
      }
      if (type == 0xD9 || type == 0x01 || (type >= 0xD0 && type <= 0xD7)) {
        throw new Refused(Refused.Why.UNREADABLE, "the JPEG has no image before its end");
      }
      int length = data.readUnsignedShort();
      if (length < 2) {
        throw new Refused(Refused.Why.UNREADABLE, "a JPEG segment is shorter than its header");
      }
      byte[] body = new byte[length - 2];
      data.readFully(body);
      if (isFrame(type)) {
        if (body.length < 5) {
          throw new Refused(Refused.Why.UNREADABLE, "the JPEG's frame header is cut short");
        }
        height = ((body[1] & 0xFF) << 8) | (body[2] & 0xFF);
        width = ((body[3] & 0xFF) << 8) | (body[4] & 0xFF);
        check(width, height, maxPixels);
      }
      if (type == 0xDA) {
        if (width == 0) {
          throw new Refused(Refused.Why.UNREADABLE, "the JPEG's scan comes before its frame");
        }
        writeSegment(out, type, body);
        all.transferTo(out);
        return new Probe("image/jpeg", width, height);
      }
      if (type == 0xE1 && startsWith(body, EXIF)) {
        withoutGps(body, EXIF.length);
      } else if (type == 0xE1 && (startsWith(body, XMP) || startsWith(body, XMP_EXTENDED))) {
        continue;
      }
      writeSegment(out, type, body);
    }
  }

  private static boolean isFrame(int type) {
    return type >= 0xC0 && type <= 0xCF && type != 0xC4 && type != 0xC8 && type != 0xCC;
  }

  private static void writeSegment(OutputStream out, int type, byte[] body) throws IOException {
    out.write(0xFF);
    out.write(type);
    out.write((body.length + 2) >> 8);
    out.write((body.length + 2) & 0xFF);
    out.write(body);
  }

  /**
   * Removes the GPS directory from the TIFF structure at {@code tiff} in {@code exif}: its pointer
   * entry leaves the first directory, and its entries and their values are zeroed. A structure that
   * does not parse is zeroed whole (location may be in it; nothing else in EXIF is needed).
   */
  static void withoutGps(byte[] exif, int tiff) {
    try {
      ByteBuffer buffer = ByteBuffer.wrap(exif, tiff, exif.length - tiff).slice();
      if (buffer.get(0) == 'I' && buffer.get(1) == 'I') {
        buffer.order(ByteOrder.LITTLE_ENDIAN);
      } else if (buffer.get(0) != 'M' || buffer.get(1) != 'M') {
        throw new IndexOutOfBoundsException("no TIFF byte order");
      }
      int ifd0 = buffer.getInt(4);
      int count = buffer.getShort(ifd0) & 0xFFFF;
      for (int i = 0; i < count; i++) {
        int entry = ifd0 + 2 + i * 12;
        if ((buffer.getShort(entry) & 0xFFFF) != GPS_IFD) {
          continue;
        }
        int gps = buffer.getInt(entry + 8);
        zeroDirectory(buffer, gps);
        // The entries after it, and the next-directory offset, move up over it.
        int end = ifd0 + 2 + count * 12 + 4;
        for (int at = entry; at + 12 < end; at++) {
          buffer.put(at, buffer.get(at + 12));
        }
        for (int at = end - 12; at < end; at++) {
          buffer.put(at, (byte) 0);
        }
        buffer.putShort(ifd0, (short) (count - 1));
        return;
      }
    } catch (IndexOutOfBoundsException e) {
      Arrays.fill(exif, tiff, exif.length, (byte) 0);
    }
  }

  private static final int[] TYPE_SIZES = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8};

  private static void zeroDirectory(ByteBuffer buffer, int at) {
    int count = buffer.getShort(at) & 0xFFFF;
    for (int i = 0; i < count; i++) {
      int entry = at + 2 + i * 12;
      int type = buffer.getShort(entry + 2) & 0xFFFF;
      long size =
          (type < TYPE_SIZES.length ? TYPE_SIZES[type] : 1)
              * (buffer.getInt(entry + 4) & 0xFFFFFFFFL);
      if (size > 4) {
        int value = buffer.getInt(entry + 8);
        for (long b = 0; b < size && value + b < buffer.limit(); b++) {
          buffer.put((int) (value + b), (byte) 0);
        }
      }
    }
    for (int b = at; b < at + 2 + count * 12 + 4 && b < buffer.limit(); b++) {
      buffer.put(b, (byte) 0);
    }
  }

  // --- PNG: chunk by chunk; the header chunk comes first and sizes the image.

  private static Probe png(byte[] head, DataInputStream in, OutputStream out, long maxPixels)
      throws IOException, Refused {
    out.write(PNG);
    // head holds the signature and the first chunk's length and type.
    int length = ByteBuffer.wrap(head, 8, 4).getInt();
    byte[] type = in.readNBytes(4);
    if (length != 13 || !"IHDR".equals(new String(type, StandardCharsets.ISO_8859_1))) {
      throw new Refused(Refused.Why.UNREADABLE, "the PNG does not start with its header chunk");
    }
    byte[] header = new byte[13 + 4];
    in.readFully(header);
    int width = ByteBuffer.wrap(header, 0, 4).getInt();
    int height = ByteBuffer.wrap(header, 4, 4).getInt();
    check(width, height, maxPixels);
    out.write(head, 8, 4);
    out.write(type);
    out.write(header);
    while (true) {
      byte[] lengthBytes = in.readNBytes(4);
      if (lengthBytes.length < 4) {
        throw new Refused(Refused.Why.UNREADABLE, "the PNG ends without its end chunk");
      }
      long chunk = ByteBuffer.wrap(lengthBytes).getInt() & 0xFFFFFFFFL;
      String name = new String(in.readNBytes(4), StandardCharsets.ISO_8859_1);
      boolean drop =
          switch (name) {
            case "eXIf", "tEXt", "zTXt", "iTXt" -> true;
            default -> false;
          };
      if (drop) {
        in.skipNBytes(chunk + 4);
        continue;
      }
      out.write(lengthBytes);
      out.write(name.getBytes(StandardCharsets.ISO_8859_1));
      copy(in, out, chunk + 4);
      if (name.equals("IEND")) {
        return new Probe("image/png", width, height);
      }
    }
  }

  // --- WebP: RIFF chunks; the first says the size, EXIF and XMP are left out.

  private static Probe webp(byte[] head, DataInputStream in, OutputStream out, long maxPixels)
      throws IOException, Refused {
    out.write(head);
    Probe probe = null;
    while (true) {
      byte[] chunkHead = in.readNBytes(8);
      if (chunkHead.length == 0 && probe != null) {
        return probe;
      }
      if (chunkHead.length < 8) {
        throw new Refused(Refused.Why.UNREADABLE, "a WebP chunk is cut short");
      }
      String name = new String(chunkHead, 0, 4, StandardCharsets.ISO_8859_1);
      long size =
          ByteBuffer.wrap(chunkHead, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
      long padded = size + (size & 1);
      if (probe == null) {
        byte[] first = new byte[(int) Math.min(padded, 30)];
        in.readFully(first);
        int[] dims = webpSize(name, first);
        check(dims[0], dims[1], maxPixels);
        probe = new Probe("image/webp", dims[0], dims[1]);
        if (name.equals("VP8X")) {
          first[0] &= (byte) ~0x0C; // no EXIF (0x08), no XMP (0x04)
        }
        out.write(chunkHead);
        out.write(first);
        copy(in, out, padded - first.length);
        continue;
      }
      if (name.equals("EXIF") || name.equals("XMP ")) {
        in.skipNBytes(padded);
        continue;
      }
      out.write(chunkHead);
      copy(in, out, padded);
    }
  }

  private static int[] webpSize(String name, byte[] first) throws Refused {
    ByteBuffer b = ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN);
    switch (name) {
      case "VP8 " -> {
        if (first.length >= 10
            && (first[3] & 0xFF) == 0x9D
            && (first[4] & 0xFF) == 0x01
            && (first[5] & 0xFF) == 0x2A) {
          return new int[] {b.getShort(6) & 0x3FFF, b.getShort(8) & 0x3FFF};
        }
      }
      case "VP8L" -> {
        if (first.length >= 5 && (first[0] & 0xFF) == 0x2F) {
          int bits = b.getInt(1);
          return new int[] {(bits & 0x3FFF) + 1, ((bits >>> 14) & 0x3FFF) + 1};
        }
      }
      case "VP8X" -> {
        if (first.length >= 10) {
          int width = (first[4] & 0xFF) | (first[5] & 0xFF) << 8 | (first[6] & 0xFF) << 16;
          int height = (first[7] & 0xFF) | (first[8] & 0xFF) << 8 | (first[9] & 0xFF) << 16;
          return new int[] {width + 1, height + 1};
        }
      }
      default -> {}
    }
    throw new Refused(Refused.Why.UNREADABLE, "the WebP's first chunk names no size");
  }

  private static void fixRiffSize(Path file) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      long size = raf.length() - 8;
      raf.seek(4);
      raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) size).array());
    }
  }

  private static void copy(InputStream in, OutputStream out, long count) throws IOException {
    byte[] buffer = new byte[8192];
    long left = count;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException();
      }
      out.write(buffer, 0, n);
      left -= n;
    }
  }

  private static boolean startsWith(byte[] body, byte[] prefix) {
    return body.length >= prefix.length
        && Arrays.equals(body, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static boolean startsWith(byte[] body, String prefix) {
    return startsWith(body, prefix.getBytes(StandardCharsets.ISO_8859_1));
  }
}
