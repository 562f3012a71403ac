package dev.nanogen.testkit;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The shape every service holds, checked by each module's tests: its packages depend on each other
 * without a cycle, and each table it migrates is named in SQL only by the package that owns it.
 */
public final class CodeShape {
  private static final Pattern TEXT_BLOCK = Pattern.compile("\"\"\"(.*?)\"\"\"", Pattern.DOTALL);
  private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");
  private static final Pattern TABLE_IN_SQL =
      Pattern.compile("\\b(?:FROM|JOIN|INTO|UPDATE)\\s+(?:[a-z_][a-z0-9_]*\\.)?([a-z_][a-z0-9_]*)");
  private static final Pattern CREATE_TABLE =
      Pattern.compile("CREATE TABLE (?:IF NOT EXISTS )?(?:[a-z_0-9]+\\.)?([a-z_0-9]+)");

  private CodeShape() {}

  /**
   * Fails, naming the loop, when two packages under {@code rootPackage} depend on each other
   * (directly or around a cycle), read from the module's compiled classes.
   */
  public static void assertPackagesAcyclic(String rootPackage) {
    slices()
        .matching(rootPackage + ".(*)..")
        .should()
        .beFreeOfCycles()
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(rootPackage));
  }

  /** The tables the migrations under {@code migrations} create. */
  public static Set<String> tables(Path migrations) {
    Set<String> tables = new TreeSet<>();
    for (Path file : files(migrations, ".sql")) {
      Matcher m = CREATE_TABLE.matcher(read(file));
      while (m.find()) {
        tables.add(m.group(1));
      }
    }
    return tables;
  }

  /**
   * Every "{@code package.Type → table}" where a type's SQL (string literals and text blocks) names
   * a table that {@code owners} does not give to the type's package.
   *
   * @param sources the module's root package directory (src/main/java/dev/nanogen/…)
   * @param owners table → the packages (first segment below the root) that own it
   */
  public static Set<String> reachingAcross(Path sources, Map<String, Set<String>> owners) {
    Set<String> outside = new TreeSet<>();
    for (Path file : files(sources, ".java")) {
      String type = sources.relativize(file).toString().replace('/', '.').replace(".java", "");
      String pkg = type.contains(".") ? type.substring(0, type.indexOf('.')) : "";
      for (String table : tablesNamedIn(read(file), owners.keySet())) {
        if (!owners.get(table).contains(pkg)) {
          outside.add(type + " → " + table);
        }
      }
    }
    return outside;
  }

  private static Set<String> tablesNamedIn(String source, Set<String> tables) {
    StringBuilder sql = new StringBuilder();
    Matcher blocks = TEXT_BLOCK.matcher(source);
    while (blocks.find()) {
      sql.append(blocks.group(1)).append('\n');
    }
    Matcher literals = LITERAL.matcher(TEXT_BLOCK.matcher(source).replaceAll(""));
    while (literals.find()) {
      sql.append(literals.group(1)).append('\n');
    }
    Set<String> named = new TreeSet<>();
    Matcher m = TABLE_IN_SQL.matcher(sql);
    while (m.find()) {
      if (tables.contains(m.group(1))) {
        named.add(m.group(1));
      }
    }
    return named;
  }

  private static java.util.List<Path> files(Path root, String suffix) {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(f -> f.toString().endsWith(suffix)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
