package dev.nanogen.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.testkit.CodeShape;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The notifier's shape: packages without a cycle, and each of its tables named in SQL only by the
 * package that owns it.
 */
class CodeShapeTest {
  private static final Map<String, Set<String>> OWNERS =
      Map.of(
          "deliveries", Set.of("delivery"),
          "chats", Set.of("delivery"),
          "send_clock", Set.of("delivery"),
          "admin_audit", Set.of("delivery"),
          "media_files", Set.of("media"),
          "shedlock", Set.of());

  @Test
  void the_packages_depend_on_each_other_without_a_cycle() {
    CodeShape.assertPackagesAcyclic("dev.nanogen.notifier");
  }

  @Test
  void every_table_has_an_owner_and_no_other_package_names_it() {
    assertThat(OWNERS.keySet())
        .isEqualTo(CodeShape.tables(Path.of("src/main/resources/db/notifier")));
    assertThat(CodeShape.reachingAcross(Path.of("src/main/java/dev/nanogen/notifier"), OWNERS))
        .isEmpty();
  }
}
