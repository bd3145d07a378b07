using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace DataGuard.AspNetCore.Dashboard;

/// <summary>Small helpers to build HTML with every value encoded.</summary>
internal static class Html
{
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);

    public static string Time(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "–";

    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F1} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):F2} GiB"),
    };

    public static string N(double value, string format = "F1") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A state as a badge: a word and a shape, never color alone.</summary>
    public static string Badge(string state) =>
        $"<span class=\"badge state-{E(state)}\"><span class=\"dot\" aria-hidden=\"true\"></span>{E(state switch { "ok" => "OK", "warning" => "Warning", "failing" => "Failing", _ => "Off" })}</span>";

    /// <summary>A table in a scrollable, labelled region; headers in the first row get <c>scope="col"</c>.</summary>
    public static void Table(StringBuilder html, string caption, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, bool firstColumnIsHeader = true)
    {
        html.Append("<div class=\"table-wrap\"><table><caption>").Append(E(caption)).Append("</caption><thead><tr>");
        foreach (var header in headers)
        {
            html.Append("<th scope=\"col\">").Append(E(header)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
        var any = false;
        foreach (var row in rows)
        {
            any = true;
            html.Append("<tr>");
            for (var i = 0; i < row.Count; i++)
            {
                // Cells are already encoded by the caller (they may hold a badge).
                html.Append(i == 0 && firstColumnIsHeader ? "<th scope=\"row\">" : "<td>").Append(row[i]).Append(i == 0 && firstColumnIsHeader ? "</th>" : "</td>");
            }

            html.Append("</tr>");
        }

        if (!any)
        {
            html.Append("<tr><td colspan=\"").Append(headers.Count.ToString(CultureInfo.InvariantCulture)).Append("\">None recorded.</td></tr>");
        }

        html.Append("</tbody></table></div>");
    }
}
