using System.Globalization;
using System.Text;
using static DataGuard.AspNetCore.Dashboard.Html;

namespace DataGuard.AspNetCore.Dashboard;

/// <summary>
/// Inline SVG charts: no script, no external resource, styled only by the page's stylesheet (classes, no style
/// attributes, so a strict Content-Security-Policy holds). Each chart is an image with a title and a description for
/// screen readers, and each mark has a tooltip title.
/// </summary>
internal static class Svg
{
    private const double Width = 800;
    private const double Height = 240;
    private const double Left = 72;
    private const double Right = 24;
    private const double Top = 16;
    private const double Bottom = 40;

    /// <summary>A point of a chart.</summary>
    public sealed record Point(DateTimeOffset At, double Value, string Label, bool Bad = false);

    /// <summary>A marked event (a failure) on the time axis.</summary>
    public sealed record Marker(DateTimeOffset At, string Label);

    /// <summary>A time chart: bars (or a line) over [from, to], an optional target line, and failure markers.</summary>
    public static string TimeChart(string id, string title, string description, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<Point> points, Func<double, string> format, (double Value, string Label)? target = null, IReadOnlyList<Marker>? markers = null, bool line = false)
    {
        markers ??= [];
        if (to <= from)
        {
            to = from + TimeSpan.FromHours(1);
        }

        var max = Math.Max(points.Select(p => p.Value).DefaultIfEmpty(0).Max(), target?.Value ?? 0);
        max = max <= 0 ? 1 : max * 1.15;
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        double X(DateTimeOffset at) => Left + (Math.Clamp((at - from) / (to - from), 0, 1) * plotWidth);
        double Y(double value) => Top + plotHeight - (value / max * plotHeight);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<figure class=\"chart\"><svg id=\"{id}\" class=\"chart-svg\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" data-points=\"{points.Count}\" data-markers=\"{markers.Count}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"{id}-title\">{E(title)}</title><desc id=\"{id}-desc\">{E(description)}</desc>");

        // Axes and grid.
        svg.Append("<g class=\"axis\">");
        for (var i = 0; i <= 4; i++)
        {
            var value = max / 4 * i;
            var y = Y(value);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y:F1}\" y2=\"{y:F1}\"/><text class=\"tick\" x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{E(format(value))}</text>");
        }

        for (var i = 0; i <= 4; i++)
        {
            var at = from + ((to - from) * i / 4);
            var x = X(at);
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{x:F1}\" y=\"{Height - Bottom + 18}\" text-anchor=\"{(i == 0 ? "start" : i == 4 ? "end" : "middle")}\">{E(at.UtcDateTime.ToString((to - from).TotalDays > 2 ? "MMM d" : "MMM d HH:mm", CultureInfo.InvariantCulture))}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"baseline\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Top + plotHeight}\" y2=\"{Top + plotHeight}\"/></g>");

        // Data.
        svg.Append("<g class=\"series\">");
        if (line && points.Count > 0)
        {
            var path = string.Join(' ', points.OrderBy(p => p.At).Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.At):F1},{Y(p.Value):F1}")));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"trend\" points=\"{path}\" fill=\"none\"/>");
            foreach (var p in points)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle class=\"mark{(p.Bad ? " bad" : string.Empty)}\" cx=\"{X(p.At):F1}\" cy=\"{Y(p.Value):F1}\" r=\"5\"><title>{E(p.Label)}</title></circle>");
            }
        }
        else
        {
            var barWidth = Math.Clamp(plotWidth / Math.Max(1, points.Count) * 0.6, 3, 18);
            foreach (var p in points)
            {
                var y = Y(p.Value);
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar{(p.Bad ? " bad" : string.Empty)}\" x=\"{X(p.At) - (barWidth / 2):F1}\" y=\"{y:F1}\" width=\"{barWidth:F1}\" height=\"{Math.Max(1, Top + plotHeight - y):F1}\"><title>{E(p.Label)}</title></rect>");
            }
        }

        svg.Append("</g>");
        if (target is { } t)
        {
            var y = Y(t.Value);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"target\"><line class=\"target-line\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y:F1}\" y2=\"{y:F1}\"><title>{E(t.Label)}</title></line><text class=\"target-label\" x=\"{Width - Right - 4}\" y=\"{y - 6:F1}\" text-anchor=\"end\">{E(t.Label)}</text></g>");
        }

        if (markers.Count > 0)
        {
            svg.Append("<g class=\"failures\">");
            foreach (var m in markers)
            {
                var x = X(m.At);
                svg.Append(CultureInfo.InvariantCulture, $"<g class=\"failure\"><line class=\"failure-line\" x1=\"{x:F1}\" x2=\"{x:F1}\" y1=\"{Top}\" y2=\"{Top + plotHeight}\"/><path class=\"failure-mark\" d=\"M{x:F1},{Top + plotHeight - 12:F1} l-7,12 h14 z\"><title>{E(m.Label)}</title></path></g>");
            }

            svg.Append("</g>");
        }

        svg.Append("</svg>");
        svg.Append("<figcaption>").Append(E(description)).Append("</figcaption></figure>");
        return svg.ToString();
    }

    /// <summary>The PITR window as a bar: the target window, the restorable part, and the gaps.</summary>
    public static string WindowBar(string id, PitrPage page)
    {
        var from = page.EarliestRestorable is { } e && e < page.From ? e : page.From;
        var to = page.To;
        const double height = 110;
        const double left = 16;
        const double right = 16;
        var width = Width - left - right;
        double X(DateTimeOffset at) => left + (Math.Clamp((at - from) / (to - from), 0, 1) * width);
        var description = page.EarliestRestorable is { } start && page.LatestRestorable is { } end
            ? $"Restorable from {Time(start)} to {Time(end)} ({N((end - start).TotalDays)} days) against a target of {page.WindowDays} days; {page.Gaps.Count} gap(s) in the WAL archive."
            : $"No restorable window: a verified base backup and the WAL after it are needed. Target: {page.WindowDays} days.";
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<figure class=\"chart\"><svg id=\"{id}\" class=\"chart-svg\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" data-gaps=\"{page.Gaps.Count}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"{id}-title\">Point-in-time recovery window</title><desc id=\"{id}-desc\">{E(description)}</desc>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"window-target\" x=\"{X(page.From):F1}\" y=\"30\" width=\"{X(to) - X(page.From):F1}\" height=\"36\"><title>Target window: the last {page.WindowDays} days</title></rect>");
        if (page.EarliestRestorable is { } s && page.LatestRestorable is { } l)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"window-restorable\" x=\"{X(s):F1}\" y=\"36\" width=\"{Math.Max(2, X(l) - X(s)):F1}\" height=\"24\"><title>Restorable: {E(Time(s))} to {E(Time(l))}</title></rect>");
        }

        foreach (var gap in page.Gaps)
        {
            var x1 = gap.After is { } a ? X(a) : X(page.EarliestRestorable ?? from);
            var x2 = gap.Before is { } b ? X(b) : x1 + 4;
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"window-gap\" x=\"{x1:F1}\" y=\"26\" width=\"{Math.Max(4, x2 - x1):F1}\" height=\"44\"><title>{E($"Gap: WAL {gap.FirstMissing} to {gap.LastMissing} missing ({gap.Count} segments); recovery cannot pass it")}</title></rect>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{left}\" y=\"20\">{E(Time(from))}</text><text class=\"tick\" x=\"{Width - right}\" y=\"20\" text-anchor=\"end\">now {E(Time(to))}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{left}\" y=\"90\">{E(page.EarliestRestorable is { } s2 ? "earliest restorable " + Time(s2) : "no base backup")}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{Width - right}\" y=\"90\" text-anchor=\"end\">{E(page.LatestRestorable is { } l2 ? "latest restorable " + Time(l2) : "no WAL archived")}</text>");
        svg.Append("</svg><figcaption>").Append(E(description)).Append("</figcaption></figure>");
        return svg.ToString();
    }
}
