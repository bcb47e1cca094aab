import java.sql.*;
/** SHUTDOWN COMPACT on a timeline file ("compact"), or its rows counted ("check"): bench/h2-compact-kill.sh. */
public class K {
  public static void main(String[] a) throws Exception {
    String url = "jdbc:h2:file:" + a[0] + ";AUTO_SERVER=TRUE;WRITE_DELAY=200;MAX_COMPACT_TIME=0";
    if (a[1].equals("compact")) {
      Connection c = DriverManager.getConnection(url, "fester", "");
      System.out.println("open"); System.out.flush();
      c.createStatement().execute("SHUTDOWN COMPACT");
      System.out.println("done");
    } else {
      try (Connection c = DriverManager.getConnection(url, "fester", "");
           ResultSet rs = c.createStatement().executeQuery("SELECT (SELECT COUNT(*) FROM runs), (SELECT COUNT(*) FROM event_pages), (SELECT SUM(LENGTH(lines)) FROM event_pages)")) {
        rs.next(); System.out.println(rs.getLong(1) + " " + rs.getLong(2) + " " + rs.getLong(3));
      }
    }
  }
}
