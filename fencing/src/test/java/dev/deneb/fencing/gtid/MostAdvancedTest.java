package dev.deneb.fencing.gtid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MostAdvancedTest {

  private static final String A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
  private static final String B = "8a94f357-aab4-11df-86ab-c80aa9429562";

  private static Map<String, GtidState> mariadb(String... nodeAndPos) {
    Map<String, GtidState> m = new LinkedHashMap<>();
    for (int i = 0; i < nodeAndPos.length; i += 2) {
      m.put(nodeAndPos[i], MariaDbGtidPosition.parse(nodeAndPos[i + 1]));
    }
    return m;
  }

  @Test
  void oneCandidateAheadInEveryDomain() {
    MostAdvanced<String> r = MostAdvanced.among(mariadb("b", "0-1-100,1-1-5", "c", "0-1-98,1-1-5", "d", "0-1-100"));
    assertThat(r.dominant()).containsExactly("b");
    assertThat(r.undominated()).containsExactly("b");
  }

  @Test
  void equalCandidatesTie() {
    MostAdvanced<String> r = MostAdvanced.among(mariadb("b", "0-1-100", "c", "0-1-100", "d", "0-1-9"));
    assertThat(r.dominant()).containsExactly("b", "c");
  }

  @Test
  void aheadInDifferentDomainsMeansNoCandidateDominates() {
    MostAdvanced<String> r = MostAdvanced.among(mariadb("b", "0-1-100,1-1-4", "c", "0-1-99,1-1-5", "d", "0-1-50"));
    assertThat(r.hasDominant()).isFalse();
    assertThat(r.undominated()).containsExactly("b", "c");
  }

  @Test
  void divergedCandidatesAreIncomparable() {
    MostAdvanced<String> r = MostAdvanced.among(mariadb("b", "0-1-100", "c", "0-2-100"));
    assertThat(r.hasDominant()).isFalse();
    assertThat(r.undominated()).containsExactly("b", "c");
  }

  @Test
  void mysqlSetsWorkTheSameWay() {
    Map<String, GtidState> m = new LinkedHashMap<>();
    m.put("b", MySqlGtidSet.parse(A + ":1-10"));
    m.put("c", MySqlGtidSet.parse(A + ":1-9," + B + ":1"));
    m.put("d", MySqlGtidSet.parse(A + ":1-8"));
    MostAdvanced<String> r = MostAdvanced.among(m);
    assertThat(r.hasDominant()).isFalse();
    assertThat(r.undominated()).containsExactly("b", "c");

    m.put("e", MySqlGtidSet.parse(A + ":1-10," + B + ":1"));
    assertThat(MostAdvanced.among(m).dominant()).containsExactly("e");
  }

  @Test
  void noCandidates() {
    MostAdvanced<String> r = MostAdvanced.among(Map.of());
    assertThat(r.hasDominant()).isFalse();
    assertThat(r.undominated()).isEmpty();
  }
}
