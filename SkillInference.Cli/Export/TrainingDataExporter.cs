using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SkillInference.Batch;
using SkillInference.Batch.Relational;
using SkillInference.Schema;

namespace SkillInference.Cli.Export;

/// <summary>
/// Writes the training data of every skill from the batch database: per skill one CSV of every student's features
/// (the skill's schema order), teacher rating and label, under a pseudonymous id, and <c>export.json</c> describing
/// the files (docs/features.md, "Training-data export"). Two ordered reads (features and ratings, by student id) are
/// merged, so memory does not grow with the number of students.
/// </summary>
internal sealed class TrainingDataExporter(IReadOnlyList<ExportedSkill> skills, TrainingDataExportOptions options)
{
    /// <summary>The name of the file describing an export.</summary>
    public const string ManifestFileName = "export.json";

    /// <summary>The <c>format</c> value of <c>export.json</c>.</summary>
    public const string Format = "skillinference-training-data";

    private const int ProgressEvery = 10_000;

    // Minimal, portable SQL: the same two statements run on PostgreSQL and SQLite (both order ids bytewise).
    private const string FeaturesSql = "SELECT student_id, linguistic, behavioral FROM student_features ORDER BY student_id";
    private const string RatingsSql = "SELECT student_id, skill, rating FROM teacher_ratings ORDER BY student_id";

    public async Task<TrainingDataExportSummary> ExportAsync(Func<DbConnection> connect, string outDirectory, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connect);
        PrepareOutput(outDirectory);
        var pseudonyms = new Pseudonyms(options.IdKey);
        var writers = skills.Select(s => new SkillFile(s, Path.Combine(outDirectory, s.Id + ".csv"))).ToArray();
        var skillIndex = skills.Select((s, i) => (s.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
        long students = 0, unreadable = 0, orphanRatings = 0;
        try
        {
            await using var featuresConnection = connect();
            await using var ratingsConnection = connect();
            await featuresConnection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ratingsConnection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var featuresCommand = Command(featuresConnection, FeaturesSql);
            await using var ratingsCommand = Command(ratingsConnection, RatingsSql);
            await using var features = await featuresCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var ratings = await ratingsCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var ratingsLeft = await ratings.ReadAsync(cancellationToken).ConfigureAwait(false);
            var studentRatings = new int?[skills.Count];
            while (await features.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var id = features.GetString(0);
                Array.Clear(studentRatings);
                while (ratingsLeft && string.CompareOrdinal(ratings.GetString(0), id) <= 0)
                {
                    if (string.CompareOrdinal(ratings.GetString(0), id) < 0)
                    {
                        orphanRatings++;
                    }
                    else if (skillIndex.TryGetValue(ratings.GetString(1), out var s))
                    {
                        studentRatings[s] = Convert.ToInt32(ratings.GetValue(2), CultureInfo.InvariantCulture);
                    }

                    ratingsLeft = await ratings.ReadAsync(cancellationToken).ConfigureAwait(false);
                }

                if (!FeatureJson.TryParse(features.GetString(1), out var linguistic, out _) || !FeatureJson.TryParse(features.GetString(2), out var behavioral, out _))
                {
                    unreadable++; // never the id or the values: only that a row could not be read
                    continue;
                }

                var pseudonym = pseudonyms.Of(id);
                for (var s = 0; s < writers.Length; s++)
                {
                    await writers[s].WriteAsync(pseudonym, linguistic, behavioral, studentRatings[s], options.PositiveRating).ConfigureAwait(false);
                }

                if (++students % ProgressEvery == 0)
                {
                    progress?.Report(string.Create(CultureInfo.InvariantCulture, $"  {students:N0} students"));
                }
            }

            while (ratingsLeft)
            {
                orphanRatings++;
                ratingsLeft = await ratings.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var writer in writers)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
        }

        var files = new List<ExportedSkillFile>();
        foreach (var writer in writers)
        {
            files.Add(await writer.FinishAsync(cancellationToken).ConfigureAwait(false));
        }

        var summary = new TrainingDataExportSummary
        {
            ExportedAt = options.Time.GetUtcNow(),
            Source = options.SourceDescription,
            Label = new LabelRule { PositiveRating = options.PositiveRating },
            Pseudonyms = options.IdKeyGiven ? "hmac-sha256, key given (--id-key or SKILLINF_EXPORT_ID_KEY): the same key gives the same ids" : "hmac-sha256, random key: not linkable to other exports",
            Students = students,
            UnreadableStudents = unreadable,
            OrphanRatings = orphanRatings,
            Skills = files,
        };
        await using (var stream = File.Create(Path.Combine(outDirectory, ManifestFileName)))
        {
            await JsonSerializer.SerializeAsync(stream, summary, ExportJson.Options, cancellationToken).ConfigureAwait(false);
        }

        return summary;
    }

    private static DbCommand Command(DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private static void PrepareOutput(string outDirectory)
    {
        if (File.Exists(outDirectory))
        {
            throw new IOException($"--out {outDirectory} is a file, not a folder.");
        }

        if (Directory.Exists(outDirectory) && Directory.EnumerateFileSystemEntries(outDirectory).Any())
        {
            throw new IOException($"--out {outDirectory} is not empty; choose a new folder (an export is never mixed with another).");
        }

        Directory.CreateDirectory(outDirectory);
    }

    /// <summary>Pseudonymous ids: <c>p</c> and 24 hex digits of HMAC-SHA256(key, student id); the key never leaves the process.</summary>
    private sealed class Pseudonyms(byte[] key)
    {
        public string Of(string studentId)
        {
            Span<byte> hash = stackalloc byte[32];
            HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(studentId), hash);
            return "p" + Convert.ToHexStringLower(hash[..12]);
        }
    }

    /// <summary>One skill's CSV: header, then one row per student.</summary>
    private sealed class SkillFile : IAsyncDisposable
    {
        private readonly ExportedSkill _skill;
        private readonly string _path;
        private readonly StreamWriter _writer;
        private readonly StringBuilder _line = new(512);
        private long _rows;
        private long _rated;
        private long _positives;
        private bool _disposed;

        public SkillFile(ExportedSkill skill, string path)
        {
            _skill = skill;
            _path = path;
            _writer = new StreamWriter(path, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
            _writer.WriteLine(string.Join(',', ["student_id", .. skill.Features.Select(f => f.Name), $"rating_{skill.Id}", $"label_{skill.Id}"]));
        }

        public async Task WriteAsync(string pseudonym, Dictionary<string, double?> linguistic, Dictionary<string, double?> behavioral, int? rating, int positiveRating)
        {
            _line.Clear().Append(pseudonym);
            foreach (var feature in _skill.Features)
            {
                _line.Append(',');
                var value = (linguistic.TryGetValue(feature.Name, out var l) ? l : null) ?? (behavioral.TryGetValue(feature.Name, out var b) ? b : null);
                if (value is { } v && double.IsFinite(v))
                {
                    _line.Append(v.ToString("R", CultureInfo.InvariantCulture));
                }
            }

            _line.Append(',');
            if (rating is { } r)
            {
                var label = r >= positiveRating ? 1 : 0;
                _line.Append(r.ToString(CultureInfo.InvariantCulture)).Append(',').Append(label.ToString(CultureInfo.InvariantCulture));
                _rated++;
                _positives += label;
            }
            else
            {
                _line.Append(',');
            }

            _rows++;
            await _writer.WriteLineAsync(_line).ConfigureAwait(false);
        }

        public async Task<ExportedSkillFile> FinishAsync(CancellationToken cancellationToken)
        {
            await DisposeAsync().ConfigureAwait(false);
            string sha;
            await using (var stream = File.OpenRead(_path))
            {
                sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }

            return new ExportedSkillFile
            {
                Skill = _skill.Id,
                File = Path.GetFileName(_path),
                Sha256 = sha,
                Rows = _rows,
                Rated = _rated,
                Positives = _positives,
                Features = _skill.Features,
            };
        }

        public async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                await _writer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
