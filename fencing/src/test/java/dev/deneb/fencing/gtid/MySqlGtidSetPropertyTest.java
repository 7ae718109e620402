package dev.deneb.fencing.gtid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Laws of MySQL GTID set arithmetic, checked against a brute-force model (a plain
 * {@code Set<(source, number)>}) on small numbers where overlaps and adjacency are frequent.
 */
class MySqlGtidSetPropertyTest {

  private static final List<Tsid> SOURCES = List.of(
      Tsid.of("3e11fa47-71ca-11e1-9e33-c80aa9429562"),
      new Tsid("3e11fa47-71ca-11e1-9e33-c80aa9429562", "batch"),
      Tsid.of("8a94f357-aab4-11df-86ab-c80aa9429562"),
      Tsid.of("00000000-0000-0000-0000-000000000001"));

  @Provide
  Arbitrary<MySqlGtidSet> sets() {
    Arbitrary<GtidInterval> interval = Combinators.combine(
            Arbitraries.longs().between(1, 40), Arbitraries.longs().between(0, 6))
        .as((start, len) -> new GtidInterval(start, start + len));
    Arbitrary<Map.Entry<Tsid, List<GtidInterval>>> perSource = Combinators.combine(
            Arbitraries.of(SOURCES), interval.list().ofMaxSize(4))
        .as(Map::entry);
    return perSource.list().ofMaxSize(4).map(entries -> {
      Map<Tsid, List<GtidInterval>> m = new TreeMap<>();
      entries.forEach(e -> m.merge(e.getKey(), e.getValue(), (a, b) -> {
        List<GtidInterval> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
      }));
      return MySqlGtidSet.of(m);
    });
  }

  private static Set<String> model(MySqlGtidSet s) {
    Set<String> out = new HashSet<>();
    s.intervals().forEach((tsid, list) -> list.forEach(i -> {
      for (long n = i.start(); n <= i.end(); n++) {
        out.add(tsid + ":" + n);
      }
    }));
    return out;
  }

  @Property
  void formatThenParseIsIdentity(@ForAll("sets") MySqlGtidSet x) {
    assertThat(MySqlGtidSet.parse(x.format())).isEqualTo(x);
  }

  @Property
  void parseIgnoresTheLineBreaksMySqlPrints(@ForAll("sets") MySqlGtidSet x) {
    assertThat(MySqlGtidSet.parse(x.format().replace(",", ",\n").toUpperCase())).isEqualTo(x);
  }

  @Property
  void storedIntervalsAreSortedDisjointAndNotAdjacent(@ForAll("sets") MySqlGtidSet x) {
    x.intervals().values().forEach(list -> {
      for (int i = 1; i < list.size(); i++) {
        assertThat(list.get(i).start()).isGreaterThan(list.get(i - 1).end() + 1);
      }
    });
  }

  @Property
  void operationsAgreeWithTheModel(@ForAll("sets") MySqlGtidSet a, @ForAll("sets") MySqlGtidSet b) {
    Set<String> union = new HashSet<>(model(a));
    union.addAll(model(b));
    Set<String> inter = new HashSet<>(model(a));
    inter.retainAll(model(b));
    Set<String> diff = new HashSet<>(model(a));
    diff.removeAll(model(b));

    assertThat(model(a.union(b))).isEqualTo(union);
    assertThat(model(a.intersection(b))).isEqualTo(inter);
    assertThat(model(a.difference(b))).isEqualTo(diff);
    assertThat(a.contains(b)).isEqualTo(model(a).containsAll(model(b)));
    assertThat(a.transactionCount()).isEqualTo(model(a).size());
  }

  @Property
  void unionContainsBothOperands(@ForAll("sets") MySqlGtidSet a, @ForAll("sets") MySqlGtidSet b) {
    assertThat(a.union(b).contains(a)).isTrue();
    assertThat(a.union(b).contains(b)).isTrue();
    assertThat(a.union(b)).isEqualTo(b.union(a));
  }

  @Property
  void differenceSharesNothingWithTheSubtrahend(@ForAll("sets") MySqlGtidSet a, @ForAll("sets") MySqlGtidSet b) {
    assertThat(a.difference(b).intersection(b).isEmpty()).isTrue();
  }

  @Property
  void differenceAndIntersectionRebuildTheSet(@ForAll("sets") MySqlGtidSet a, @ForAll("sets") MySqlGtidSet b) {
    assertThat(a.difference(b).union(a.intersection(b))).isEqualTo(a);
  }

  @Property
  void containsIffNothingIsMissing(@ForAll("sets") MySqlGtidSet a, @ForAll("sets") MySqlGtidSet b) {
    assertThat(a.contains(b)).isEqualTo(b.difference(a).isEmpty());
    assertThat(a.contains(b)).isEqualTo(b.missingFrom(a).isEmpty());
  }

  @Property
  void unionIsAssociative(
      @ForAll("sets") MySqlGtidSet a, @ForAll("sets") MySqlGtidSet b, @ForAll("sets") MySqlGtidSet c) {
    assertThat(a.union(b).union(c)).isEqualTo(a.union(b.union(c)));
  }
}
