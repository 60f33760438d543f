using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Engines;
using SkillInference.Inference;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf predict</c>: score a CSV of students with a skill's deployed model, writing JSON Lines.</summary>
internal static class PredictCommand
{
    private const int ChunkSize = 4096;

    public static Command Create(CliConsole console)
    {
        var store = CommonOptions.Store();
        var skill = new Option<string>("--skill") { Description = "The skill to score (its deployed version is used).", Required = true };
        var input = new Option<string>("--input", "-i") { Description = "CSV: a header of feature names (and optionally student_id), one row per student; an empty cell is missing.", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "JSON Lines output (default: standard output)." };
        var explain = new Option<bool>("--explain") { Description = "Add each feature's contribution to the log-odds (TreeSHAP) and the bias." };
        var engine = new Option<ScoringEngine>("--engine") { Description = "Auto (fastest), Reference (ML.NET PredictionEngine) or Compiled.", DefaultValueFactory = _ => ScoringEngine.Auto };
        var command = new Command("predict", "Score every row of a CSV with a skill's deployed model; one JSON object per row, in order; a bad row gets an error object.")
        {
            store, skill, input, output, explain, engine,
        };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSkillInference(o => o.Engine = parse.GetValue(engine)).UseModelStore(parse.GetValue(store)!).AddOnnx();
            await using var provider = services.BuildServiceProvider();
            var service = provider.GetRequiredService<ISkillInferenceService>();
            await service.RefreshAsync(ct).ConfigureAwait(false);
            var id = parse.GetValue(skill)!;
            var model = service.LoadedModels.FirstOrDefault(m => m.Skill == id && m.Role == "deployed")
                ?? throw new InvalidOperationException(DescribeMissing(service, id));

            using var reader = new StreamReader(parse.GetValue(input)!, Encoding.UTF8);
            var header = (await reader.ReadLineAsync(ct).ConfigureAwait(false))?.TrimStart('\uFEFF').Split(',').Select(h => h.Trim().Trim('"')).ToArray()
                ?? throw new FormatException("The input CSV is empty.");
            var idColumn = Array.IndexOf(header, "student_id");
            var known = model.Manifest.Features.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
            var unknown = header.Where((h, i) => i != idColumn && !known.Contains(h)).ToArray();
            if (unknown.Length > 0)
            {
                throw new FormatException($"The CSV has columns that are not features of {id}@{model.Version}: {string.Join(", ", unknown)}. Its features are: {string.Join(", ", known)}.");
            }

            await using var sink = parse.GetValue(output) is { } path ? File.Create(path) : null;
            var stream = sink ?? Console.OpenStandardOutput();
            var outWriter = sink is null && console.Out != Console.Out ? null : stream;
            var explainWanted = parse.GetValue(explain);
            var rows = 0;
            var failed = 0;
            var chunk = new List<(int Row, string? StudentId, InferenceRequest? Request, string? Error)>(ChunkSize);
            var buffer = new ArrayBufferWriter<byte>(64 * 1024);
            while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                rows++;
                chunk.Add(ParseRow(line, header, idColumn, id, explainWanted, rows));
                if (chunk.Count == ChunkSize)
                {
                    failed += await WriteChunkAsync(service, chunk, id, buffer, ct).ConfigureAwait(false);
                    await FlushAsync(console, buffer, outWriter, ct).ConfigureAwait(false);
                    chunk.Clear();
                    if (rows % (ChunkSize * 10) == 0)
                    {
                        await console.Error.WriteLineAsync($"  {rows:N0} rows scored").ConfigureAwait(false);
                    }
                }
            }

            failed += await WriteChunkAsync(service, chunk, id, buffer, ct).ConfigureAwait(false);
            await FlushAsync(console, buffer, outWriter, ct).ConfigureAwait(false);
            await console.Error.WriteLineAsync($"Scored {rows - failed:N0} of {rows:N0} rows with {id}@{model.Version} ({model.Engine}); {failed:N0} rows had errors.").ConfigureAwait(false);
            return CliConsole.Success;
        }));
        return command;
    }

    private static string DescribeMissing(ISkillInferenceService service, string skill)
    {
        var failure = service.Status.Failures.FirstOrDefault(f => f.Skill == skill);
        return failure is not null
            ? $"The deployed model of '{skill}' ({failure.Version}) cannot be loaded: {failure.Reason}"
            : $"Skill '{skill}' is not deployed in this store. Deployed: {string.Join(", ", service.Status.RegisteredSkills)}.";
    }

    private static (int, string?, InferenceRequest?, string?) ParseRow(string line, string[] header, int idColumn, string skill, bool explain, int row)
    {
        var cells = line.Split(',');
        string? studentId = idColumn >= 0 && idColumn < cells.Length ? cells[idColumn].Trim().Trim('"') : null;
        if (cells.Length != header.Length)
        {
            return (row, studentId, null, $"the row has {cells.Length} cells; the header has {header.Length}");
        }

        var features = new Dictionary<string, double?>(header.Length, StringComparer.Ordinal);
        for (var c = 0; c < cells.Length; c++)
        {
            if (c == idColumn)
            {
                continue;
            }

            var cell = cells[c].Trim();
            if (cell.Length == 0)
            {
                continue;
            }

            if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return (row, studentId, null, $"'{header[c]}' is not a number");
            }

            features[header[c]] = value;
        }

        return (row, studentId, new InferenceRequest(skill, features, studentId, explain), null);
    }

    private static async Task<int> WriteChunkAsync(ISkillInferenceService service, List<(int Row, string? StudentId, InferenceRequest? Request, string? Error)> chunk, string skill, ArrayBufferWriter<byte> buffer, CancellationToken ct)
    {
        var requests = chunk.Where(c => c.Request is not null).Select(c => c.Request!).ToArray();
        var outcomes = await service.InferBatchAsync(requests, ct).ConfigureAwait(false);
        var next = 0;
        var failed = 0;
        using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        foreach (var (row, studentId, request, error) in chunk)
        {
            json.Reset(buffer);
            json.WriteStartObject();
            json.WriteNumber("row", row);
            json.WriteString("student_id", studentId);
            json.WriteString("skill", skill);
            if (request is null)
            {
                failed++;
                WriteError(json, error!, null);
            }
            else
            {
                var outcome = outcomes[next++];
                if (outcome.IsSuccess)
                {
                    var r = outcome.Result;
                    json.WriteNumber("score", r.Score);
                    json.WriteNumber("confidence", r.Confidence);
                    json.WriteString("model_version", r.ModelVersion);
                    json.WriteStartArray("imputed_features");
                    foreach (var name in r.ImputedFeatures)
                    {
                        json.WriteStringValue(name);
                    }

                    json.WriteEndArray();
                    if (r.Explanation is { } e)
                    {
                        json.WriteStartObject("contributions");
                        foreach (var (name, value) in e.Contributions)
                        {
                            json.WriteNumber(name, value);
                        }

                        json.WriteNumber("bias", e.Bias);
                        json.WriteEndObject();
                    }
                }
                else
                {
                    failed++;
                    WriteError(json, outcome.Error.Message, outcome.Error.FeatureErrors.Count > 0 ? outcome.Error.FeatureErrors.GroupBy(f => f.Feature).ToDictionary(g => g.Key, g => g.Select(f => f.Message).ToArray()) : null);
                }
            }

            json.WriteEndObject();
            json.Flush();
            buffer.Write("\n"u8);
        }

        return failed;
    }

    private static void WriteError(Utf8JsonWriter json, string message, Dictionary<string, string[]>? features)
    {
        json.WriteStartObject("error");
        json.WriteString("message", message);
        if (features is not null)
        {
            json.WriteStartObject("features");
            foreach (var (name, messages) in features)
            {
                json.WriteString(name, string.Join("; ", messages));
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static async Task FlushAsync(CliConsole console, ArrayBufferWriter<byte> buffer, Stream? stream, CancellationToken ct)
    {
        if (stream is not null)
        {
            await stream.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
        }
        else
        {
            await console.Out.WriteAsync(Encoding.UTF8.GetString(buffer.WrittenMemory.Span)).ConfigureAwait(false);
        }

        buffer.ResetWrittenCount();
    }
}
