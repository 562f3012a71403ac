package dev.nanogen.gateway.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFileTest {
  @TempDir Path dir;

  private ImageFile.Probe clean(byte[] image, Path out) throws Exception {
    return ImageFile.clean(new ByteArrayInputStream(image), out, 40_000_000);
  }

  @Test
  void aJpegKeepsItsPixelsAndOrientationAndLosesItsLocation() throws Exception {
    byte[] photo = TestImages.jpegWithLocation(64, 48);
    assertThat(TestImages.contains(photo, TestImages.latitudeBytes())).isTrue();
    Path out = dir.resolve("out.jpg");

    ImageFile.Probe probe = clean(photo, out);

    assertThat(probe).isEqualTo(new ImageFile.Probe("image/jpeg", 64, 48));
    byte[] kept = Files.readAllBytes(out);
    assertThat(TestImages.contains(kept, TestImages.latitudeBytes())).isFalse();
    assertThat(TestImages.contains(kept, "GPSLatitude".getBytes(StandardCharsets.US_ASCII)))
        .isFalse();
    assertThat(TestImages.contains(kept, "Exif\0\0".getBytes(StandardCharsets.US_ASCII))).isTrue();
    // Orientation (0x0112, SHORT, 1, value 6) is still the first entry of IFD0; it has one entry.
    assertThat(TestImages.contains(kept, new byte[] {1, 0, 0x12, 1, 3, 0, 1, 0, 0, 0, 6, 0}))
        .isTrue();
    assertThat(TestImages.contains(kept, new byte[] {0x25, (byte) 0x88})).isFalse();
    var decoded = ImageIO.read(out.toFile());
    assertThat(decoded.getWidth()).isEqualTo(64);
    assertThat(decoded.getHeight()).isEqualTo(48);
  }

  @Test
  void aPngLosesItsTextChunksAndStillDecodes() throws Exception {
    Path out = dir.resolve("out.png");

    ImageFile.Probe probe = clean(TestImages.pngWithText(20, 10), out);

    assertThat(probe).isEqualTo(new ImageFile.Probe("image/png", 20, 10));
    byte[] kept = Files.readAllBytes(out);
    assertThat(TestImages.contains(kept, "Tashkent".getBytes(StandardCharsets.US_ASCII))).isFalse();
    assertThat(ImageIO.read(out.toFile()).getWidth()).isEqualTo(20);
  }

  @Test
  void aWebpIsSizedByItsFirstChunk() throws Exception {
    Path out = dir.resolve("out.webp");

    assertThat(clean(TestImages.WEBP, out)).isEqualTo(new ImageFile.Probe("image/webp", 1, 1));
    assertThat(Files.readAllBytes(out)).isEqualTo(TestImages.WEBP);
  }

  @Test
  void whatIsNotAJpegPngOrWebpIsRefusedWhateverItIsCalled() {
    for (byte[] other :
        new byte[][] {
          TestImages.gif(4, 4),
          "<html><script>alert(1)</script></html>".getBytes(StandardCharsets.US_ASCII),
          new byte[0]
        }) {
      assertThatThrownBy(() -> clean(other, dir.resolve("x")))
          .isInstanceOfSatisfying(
              ImageFile.Refused.class,
              e -> assertThat(e.why()).isEqualTo(ImageFile.Refused.Why.NOT_AN_IMAGE));
    }
  }

  @Test
  void aHeaderClaimingMoreThanTheCapIsRefusedBeforeAnythingElseIsRead() {
    assertThatThrownBy(() -> clean(TestImages.pngClaiming(50_000, 50_000), dir.resolve("x")))
        .isInstanceOfSatisfying(
            ImageFile.Refused.class,
            e -> assertThat(e.why()).isEqualTo(ImageFile.Refused.Why.TOO_MANY_PIXELS));
    // Exactly the cap passes the check (and then fails only as the broken image it is).
    assertThatThrownBy(() -> clean(TestImages.pngClaiming(8000, 5000), dir.resolve("y")))
        .isInstanceOfSatisfying(
            ImageFile.Refused.class,
            e -> assertThat(e.why()).isEqualTo(ImageFile.Refused.Why.UNREADABLE));
  }

  @Test
  void aTruncatedJpegIsUnreadable() {
    byte[] photo = TestImages.jpeg(16, 16);
    byte[] cut = java.util.Arrays.copyOf(photo, 30);
    assertThatThrownBy(() -> clean(cut, dir.resolve("x")))
        .isInstanceOfSatisfying(
            ImageFile.Refused.class,
            e -> assertThat(e.why()).isEqualTo(ImageFile.Refused.Why.UNREADABLE));
  }
}
