using System.Buffers;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SkillInference.Batch.Relational;

/// <summary>
/// Reads and writes <c>student_features</c> and <c>teacher_ratings</c> in a relational database over ADO.NET, the same
/// way for every database; a <see cref="RelationalDialect"/> supplies what differs. A shard is read in one query and
/// parsed straight into one columnar <see cref="StudentFeatureBlock"/> (no dictionary and no string per row but the
/// student id). Writes are batched prepared multi-row upserts.
/// </summary>
internal sealed class RelationalFeatureSource : IFeatureSource, IStudentDataWriter
{
    private const int ListPage = 50_000;

    private readonly RelationalDatabase _database;
    private readonly RelationalDialect _dialect;
    private readonly ILogger _logger;
    private readonly string _columns;
    private readonly MultiRowInsert<StudentFeatures> _features;
    private readonly MultiRowInsert<TeacherRating> _ratings;

    public RelationalFeatureSource(RelationalDatabase database, ILogger<RelationalFeatureSource>? logger = null)
    {
        _database = database;
        _dialect = database.Dialect;
        var dialect = _dialect;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _columns = $"f.student_id, {dialect.JsonText("f.linguistic")}, {dialect.JsonText("f.behavioral")}, f.updated_at";
        _features = new MultiRowInsert<StudentFeatures>(
            "student_features",
            ["student_id", "linguistic", "behavioral", "updated_at"],
            "ON CONFLICT (student_id) DO UPDATE SET linguistic = excluded.linguistic, behavioral = excluded.behavioral, updated_at = excluded.updated_at",
            (s, values) =>
            {
                values[0] = s.StudentId;
                values[1] = FeatureJson.Serialize(s.Linguistic);
                values[2] = FeatureJson.Serialize(s.Behavioral);
                values[3] = dialect.Timestamp(s.UpdatedAt);
            },
            (column, parameter) => column is 1 or 2 ? dialect.JsonValue(parameter) : parameter);
        _ratings = new MultiRowInsert<TeacherRating>(
            "teacher_ratings",
            ["student_id", "skill", "rating", "rated_at"],
            "ON CONFLICT (student_id, skill) DO UPDATE SET rating = excluded.rating, rated_at = excluded.rated_at",
            (r, values) =>
            {
                values[0] = r.StudentId;
                values[1] = r.Skill;
                values[2] = r.Rating;
                values[3] = dialect.Timestamp(r.RatedAt);
            });
    }

    public Task<long> GetChangeWatermarkAsync(CancellationToken cancellationToken = default) =>
        _database.ExecuteAsync(_logger, "reading the change watermark", async connection =>
        {
            await using var command = connection.Command(null, _dialect.ChangeWatermarkSql);
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

    public async IAsyncEnumerable<string> ListStudentIdsAsync(StudentSelection selection, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selection);

        // Pages by keyset, so that a failure surfaces as a BatchStoreException and no read stays open while the caller works.
        string? after = null;
        while (true)
        {
            var page = await ListPageAsync(selection, after, cancellationToken).ConfigureAwait(false);
            foreach (var id in page)
            {
                yield return id;
            }

            if (page.Count < ListPage)
            {
                yield break;
            }

            after = page[^1];
        }
    }

    public Task<StudentFeatureBlock> ReadShardAsync(ShardTask shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return _database.ExecuteAsync(_logger, "reading a shard's features", async connection =>
        {
            await using var command = connection.Command(null, "").With("through", shard.ThroughStudentId);
            var lower = "";
            if (shard.AfterStudentId is { } after)
            {
                command.With("after", after);
                lower = "f.student_id > @after AND ";
            }

            var (with, condition) = StudentSelectionSql.Build(shard.Selection, command, _dialect);
            command.CommandText = $"{with}SELECT {_columns} FROM student_features f WHERE {lower}f.student_id <= @through AND {condition} ORDER BY f.student_id";
            return await ReadBlockAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<StudentFeatureBlock> ReadStudentsAsync(IReadOnlyCollection<string> studentIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(studentIds);
        if (studentIds.Count == 0)
        {
            return Task.FromResult(StudentFeatureBlock.Empty);
        }

        return _database.ExecuteAsync(_logger, "re-reading students' features", async connection =>
        {
            await using var command = connection.Command(null, "");
            command.CommandText = $"SELECT {_columns} FROM student_features f WHERE {_dialect.StudentIdIn(command, "f.student_id", studentIds)} ORDER BY f.student_id";
            return await ReadBlockAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task UpsertStudentFeaturesAsync(IReadOnlyList<StudentFeatures> students, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(students);
        return UpsertAsync(_features, MultiRowInsert<StudentFeatures>.LastPerKey(students, s => s.StudentId), "writing students' features", cancellationToken);
    }

    public Task UpsertTeacherRatingsAsync(IReadOnlyList<TeacherRating> ratings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        return UpsertAsync(_ratings, MultiRowInsert<TeacherRating>.LastPerKey(ratings, r => (r.StudentId, r.Skill)), "writing teacher ratings", cancellationToken);
    }

    private async Task UpsertAsync<T>(MultiRowInsert<T> insert, IReadOnlyList<T> rows, string operation, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await _database.ExecuteAsync(_logger, operation, async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var changed = await insert.ExecuteAsync(connection, transaction, rows, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return changed;
        }, cancellationToken).ConfigureAwait(false);
    }

    private Task<List<string>> ListPageAsync(StudentSelection selection, string? after, CancellationToken cancellationToken) =>
        _database.ExecuteAsync(_logger, "listing students", async connection =>
        {
            await using var command = connection.Command(null, "").With("limit", ListPage);
            var (with, condition) = StudentSelectionSql.Build(selection, command, _dialect);
            var lower = "";
            if (after is not null)
            {
                command.With("after", after);
                lower = "f.student_id > @after AND ";
            }

            command.CommandText = $"{with}SELECT f.student_id FROM student_features f WHERE {lower}{condition} ORDER BY f.student_id LIMIT @limit";
            var ids = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }, cancellationToken);

    /// <summary>Reads rows of (id, linguistic JSON, behavioral JSON, updated at) into one block, through two pooled UTF-8 buffers.</summary>
    private async Task<StudentFeatureBlock> ReadBlockAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var linguistic = ArrayPool<byte>.Shared.Rent(4096);
        var behavioral = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            using var block = new StudentFeatureBlockBuilder();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var id = reader.GetString(0);
                var l = _dialect.ReadUtf8(reader, 1, ref linguistic);
                var b = _dialect.ReadUtf8(reader, 2, ref behavioral);
                block.Add(id, linguistic.AsSpan(0, l), behavioral.AsSpan(0, b), _dialect.ReadTimestamp(reader, 3));
            }

            return block.Build();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(linguistic);
            ArrayPool<byte>.Shared.Return(behavioral);
        }
    }
}
