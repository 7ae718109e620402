package dev.deneb.fencing.gtid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Laws of MariaDB positions. Small domains, server ids and seqs make equal seqs (and so divergence)
 * and missing domains common.
 */
class MariaDbGtidPositionPropertyTest {

  @Provide
  Arbitrary<MariaDbGtidPosition> positions() {
    Arbitrary<MariaDbGtid> gtid = Combinators.combine(
            Arbitraries.longs().between(0, 3),
            Arbitraries.longs().between(1, 3),
            Arbitraries.longs().between(0, 8))
        .as(MariaDbGtid::new);
    return gtid.list().ofMaxSize(4).uniqueElements(MariaDbGtid::domain).map(MariaDbGtidPosition::of);
  }

  /** A position the given one contains: some domains dropped, some seqs lowered. */
  @Provide
  Arbitrary<List<MariaDbGtidPosition>> chains() {
    return positions().flatMap(a -> lower(a).flatMap(b -> lower(b).map(c -> List.of(a, b, c))));
  }

  private static Arbitrary<MariaDbGtidPosition> lower(MariaDbGtidPosition p) {
    List<MariaDbGtid> gtids = new ArrayList<>(p.byDomain().values());
    return Arbitraries.integers().between(0, 2).list().ofSize(gtids.size()).map(moves -> {
      List<MariaDbGtid> out = new ArrayList<>();
      for (int i = 0; i < gtids.size(); i++) {
        MariaDbGtid g = gtids.get(i);
        switch (moves.get(i)) {
          case 0 -> out.add(g); // unchanged
          case 1 -> { // lower seq; the server id may differ, as after a failover
            if (g.seq() > 0) {
              out.add(new MariaDbGtid(g.domain(), g.serverId() % 3 + 1, g.seq() - 1));
            }
          }
          default -> { } // domain dropped
        }
      }
      return MariaDbGtidPosition.of(out);
    });
  }

  @Property
  void formatThenParseIsIdentity(@ForAll("positions") MariaDbGtidPosition x) {
    assertThat(MariaDbGtidPosition.parse(x.format())).isEqualTo(x);
  }

  @Property
  void dominanceIsReflexive(@ForAll("positions") MariaDbGtidPosition a) {
    assertThat(a.contains(a)).isTrue();
    assertThat(a.missingFrom(a).isEmpty()).isTrue();
  }

  @Property
  void dominanceIsAntisymmetric(@ForAll("positions") MariaDbGtidPosition a, @ForAll("positions") MariaDbGtidPosition b) {
    if (a.contains(b) && b.contains(a)) {
      assertThat(a).isEqualTo(b);
    }
  }

  @Property
  void dominanceIsTransitiveOnRandomTriples(
      @ForAll("positions") MariaDbGtidPosition a,
      @ForAll("positions") MariaDbGtidPosition b,
      @ForAll("positions") MariaDbGtidPosition c) {
    if (a.contains(b) && b.contains(c)) {
      assertThat(a.contains(c)).isTrue();
    }
  }

  @Property
  void dominanceIsTransitiveOnChains(@ForAll("chains") List<MariaDbGtidPosition> abc) {
    MariaDbGtidPosition a = abc.get(0);
    MariaDbGtidPosition b = abc.get(1);
    MariaDbGtidPosition c = abc.get(2);
    assertThat(a.contains(b)).isTrue();
    assertThat(b.contains(c)).isTrue();
    assertThat(a.contains(c)).isTrue();
  }

  @Property
  void containsIffNothingIsMissing(@ForAll("positions") MariaDbGtidPosition a, @ForAll("positions") MariaDbGtidPosition b) {
    assertThat(a.contains(b)).isEqualTo(b.missingFrom(a).isEmpty());
  }

  @Property
  void gapsNameOnlyDomainsWhereThisSideIsNotCovered(
      @ForAll("positions") MariaDbGtidPosition a, @ForAll("positions") MariaDbGtidPosition b) {
    for (MariaDbGap.DomainGap gap : a.missingFrom(b).domains()) {
      assertThat(a.inDomain(gap.domain())).contains(gap.ahead());
      assertThat(b.contains(MariaDbGtidPosition.of(List.of(gap.ahead())))).isFalse();
      assertThat(gap.diverged() || gap.seqAhead() > 0 || gap.ahead().seq() == 0).isTrue();
    }
  }

  @Property
  void mostAdvancedDominantContainsEveryCandidate(
      @ForAll("positions") MariaDbGtidPosition a,
      @ForAll("positions") MariaDbGtidPosition b,
      @ForAll("positions") MariaDbGtidPosition c) {
    Map<String, GtidState> candidates = new LinkedHashMap<>();
    candidates.put("a", a);
    candidates.put("b", b);
    candidates.put("c", c);
    MostAdvanced<String> r = MostAdvanced.among(candidates);
    for (String winner : r.dominant()) {
      candidates.values().forEach(s -> assertThat(candidates.get(winner).contains(s)).isTrue());
    }
    assertThat(r.undominated()).isNotEmpty().containsAll(r.dominant());
  }
}
