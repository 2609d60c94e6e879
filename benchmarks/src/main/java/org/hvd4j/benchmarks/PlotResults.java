package org.hvd4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.hvd4j.examples.charts.Charts;
import org.knowm.xchart.XYChart;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code plot-results RESULTS_DIR OUT_DIR}: draws the README's plots from the CSV files that
 * {@code scripts/benchmark-results.sh} writes, each plot only when its CSV is there:
 * <ul>
 *   <li>{@code throughput.csv} ({@code model,batch_size,trainer,img_sec,conf}) →
 *       {@code throughput-vs-batch.png}: images/s against batch size, one chart per model, one
 *       line per trainer;</li>
 *   <li>{@code allreduce.csv} ({@code ranks,peer,size_bytes,algbw_gbs,busbw_gbs}) →
 *       {@code allreduce-bandwidth.png}: busbw against message size, one chart per rank count,
 *       one line per transport path and peer;</li>
 *   <li>{@code scaling.csv} ({@code model,ranks,efficiency,host_limit}) →
 *       {@code scaling-efficiency.png}: weak-scaling efficiency against ranks per model, with
 *       what N independent processes reach on the same host.</li>
 * </ul>
 */
@Command(name = "plot-results", mixinStandardHelpOptions = true,
        description = "Draw the benchmark plots (PNG) from the results' CSV files.")
public final class PlotResults implements Callable<Integer> {
    @Parameters(index = "0", description = "directory with throughput.csv, allreduce.csv, scaling.csv")
    Path results;

    @Parameters(index = "1", description = "directory for the PNG files")
    Path out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new PlotResults()).execute(args));
    }

    /** A CSV file with a header row: rows as maps from column name to text. */
    static List<Map<String, String>> readCsv(Path file, String... required) throws IOException {
        List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(file + ": empty, expected a header with " + Arrays.toString(required));
        }
        List<String> header = Arrays.asList(lines.get(0).split(","));
        for (String r : required) {
            if (!header.contains(r)) {
                throw new IllegalArgumentException(file + ": no column '" + r + "' in its header " + header);
            }
        }
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",", -1);
            if (f.length != header.size()) {
                throw new IllegalArgumentException(file + ": line " + (i + 1) + " has " + f.length + " fields, the header "
                        + header.size());
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < f.length; c++) {
                row.put(header.get(c), f[c].trim());
            }
            rows.add(row);
        }
        return rows;
    }

    @Override
    public Integer call() throws IOException {
        int drawn = 0;
        Path t = results.resolve("throughput.csv");
        if (Files.exists(t)) {
            write(out.resolve("throughput-vs-batch.png"), charts(readCsv(t, "model", "batch_size", "trainer", "img_sec"),
                    "model", "trainer", "batch_size", "img_sec", "Training throughput, %s (one process)", "batch size",
                    "images/s", true));
            drawn++;
        }
        Path a = results.resolve("allreduce.csv");
        if (Files.exists(a)) {
            write(out.resolve("allreduce-bandwidth.png"), charts(readCsv(a, "ranks", "peer", "size_bytes", "busbw_gbs"),
                    "ranks", "peer", "size_bytes", "busbw_gbs", "Allreduce float32 sum, %s ranks on one host",
                    "message size (bytes)", "busbw (GB/s)", true));
            drawn++;
        }
        Path s = results.resolve("scaling.csv");
        if (Files.exists(s)) {
            write(out.resolve("scaling-efficiency.png"), new XYChart[] {scaling(readCsv(s, "model", "ranks",
                    "efficiency", "host_limit"))});
            drawn++;
        }
        if (drawn == 0) {
            System.err.println("plot-results: no throughput.csv, allreduce.csv or scaling.csv in " + results);
            return 1;
        }
        return 0;
    }

    /** One chart per value of {@code chartBy}, one series per value of {@code seriesBy}, points sorted by x. */
    private static XYChart[] charts(List<Map<String, String>> rows, String chartBy, String seriesBy, String x, String y,
            String titleFormat, String xTitle, String yTitle, boolean logX) {
        Map<String, Map<String, TreeMap<Double, Double>>> byChart = new LinkedHashMap<>();
        for (Map<String, String> r : rows) {
            byChart.computeIfAbsent(r.get(chartBy), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.get(seriesBy), k -> new TreeMap<>())
                    .put(Double.parseDouble(r.get(x)), Double.parseDouble(r.get(y)));
        }
        List<XYChart> charts = new ArrayList<>();
        byChart.forEach((name, series) -> {
            XYChart c = Charts.line(String.format(titleFormat, name), xTitle, yTitle, logX);
            series.forEach((label, points) -> Charts.series(c, label, unbox(points.keySet()), unbox(points.values())));
            charts.add(c);
        });
        return charts.toArray(XYChart[]::new);
    }

    private static XYChart scaling(List<Map<String, String>> rows) {
        XYChart c = Charts.line("Weak scaling on one host (per-rank samples/s at N ÷ at 1)", "ranks", "efficiency (%)",
                false);
        Map<String, TreeMap<Double, Double>> eff = new LinkedHashMap<>();
        Map<String, TreeMap<Double, Double>> limit = new LinkedHashMap<>();
        for (Map<String, String> r : rows) {
            String m = r.get("model");
            eff.computeIfAbsent(m, k -> new TreeMap<>(Map.of(1.0, 100.0)))
                    .put(Double.parseDouble(r.get("ranks")), 100 * Double.parseDouble(r.get("efficiency")));
            limit.computeIfAbsent(m, k -> new TreeMap<>(Map.of(1.0, 100.0)))
                    .put(Double.parseDouble(r.get("ranks")), 100 * Double.parseDouble(r.get("host_limit")));
        }
        eff.forEach((m, p) -> Charts.series(c, m + " (hvd4j job)", unbox(p.keySet()), unbox(p.values())));
        limit.forEach((m, p) -> Charts.series(c, m + " (N independent runs)", unbox(p.keySet()), unbox(p.values())));
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSW);
        return c;
    }

    private static double[] unbox(java.util.Collection<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void write(Path png, XYChart[] charts) throws IOException {
        Charts.writePng(png, 640, 440, charts);
        System.out.println("plot-results: wrote " + png);
    }
}
