using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SkillInference.Batch;

namespace SkillInference.Sqlite;

/// <summary>Reads and writes <c>student_features</c> and <c>teacher_ratings</c> in SQLite.</summary>
internal sealed class SqliteFeatureSource : IFeatureSource, IStudentDataWriter
{
    private const string Columns = "f.student_id, f.linguistic, f.behavioral, f.updated_at";
    private const int ListPage = 50_000;
    private readonly SqliteDatabase _database;
    private readonly ILogger _logger;

    public SqliteFeatureSource(SqliteDatabase database, ILogger<SqliteFeatureSource>? logger = null)
    {
        _database = database;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task<DateTimeOffset?> GetLatestUpdateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new SqliteCommand("SELECT max(updated_at) FROM student_features", connection);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string at ? SqliteDatabase.ParseTimestamp(at) : null;
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "reading the latest feature update");
        }
    }

    public async IAsyncEnumerable<string> ListStudentIdsAsync(StudentSelection selection, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selection);

        // Pages by keyset, so that a failure surfaces as a BatchStoreException and no read transaction stays open.
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

    public async Task<IReadOnlyList<StudentFeatures>> ReadShardAsync(ShardTask shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Parameters.AddWithValue("$through", shard.ThroughStudentId);
            var lower = "";
            if (shard.AfterStudentId is { } after)
            {
                command.Parameters.AddWithValue("$after", after);
                lower = "f.student_id > $after AND ";
            }

            var (with, condition) = SqliteSelectionSql.Build(shard.Selection, command);
            command.CommandText = $"{with}SELECT {Columns} FROM student_features f WHERE {lower}f.student_id <= $through AND {condition} ORDER BY f.student_id";
            return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "reading a shard's features");
        }
    }

    public async Task<IReadOnlyList<StudentFeatures>> ReadStudentsAsync(IReadOnlyCollection<string> studentIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(studentIds);
        if (studentIds.Count == 0)
        {
            return [];
        }

        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(studentIds.ToArray()));
            command.CommandText = $"SELECT {Columns} FROM student_features f WHERE f.student_id IN (SELECT value FROM json_each($ids)) ORDER BY f.student_id";
            return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "re-reading students' features");
        }
    }

    public async Task UpsertStudentFeaturesAsync(IReadOnlyList<StudentFeatures> students, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(students);
        if (students.Count == 0)
        {
            return;
        }

        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new SqliteCommand(
                """
                INSERT INTO student_features (student_id, linguistic, behavioral, updated_at) VALUES ($id, $linguistic, $behavioral, $updated_at)
                ON CONFLICT (student_id) DO UPDATE SET linguistic = excluded.linguistic, behavioral = excluded.behavioral, updated_at = excluded.updated_at
                """,
                connection,
                transaction);
            var id = command.Parameters.Add("$id", SqliteType.Text);
            var linguistic = command.Parameters.Add("$linguistic", SqliteType.Text);
            var behavioral = command.Parameters.Add("$behavioral", SqliteType.Text);
            var updatedAt = command.Parameters.Add("$updated_at", SqliteType.Text);
            foreach (var s in students)
            {
                id.Value = s.StudentId;
                linguistic.Value = FeatureJson.Serialize(s.Linguistic);
                behavioral.Value = FeatureJson.Serialize(s.Behavioral);
                updatedAt.Value = SqliteDatabase.Timestamp(s.UpdatedAt);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "writing students' features");
        }
    }

    public async Task UpsertTeacherRatingsAsync(IReadOnlyList<TeacherRating> ratings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        if (ratings.Count == 0)
        {
            return;
        }

        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new SqliteCommand(
                """
                INSERT INTO teacher_ratings (student_id, skill, rating, rated_at) VALUES ($id, $skill, $rating, $rated_at)
                ON CONFLICT (student_id, skill) DO UPDATE SET rating = excluded.rating, rated_at = excluded.rated_at
                """,
                connection,
                transaction);
            var id = command.Parameters.Add("$id", SqliteType.Text);
            var skill = command.Parameters.Add("$skill", SqliteType.Text);
            var rating = command.Parameters.Add("$rating", SqliteType.Integer);
            var ratedAt = command.Parameters.Add("$rated_at", SqliteType.Text);
            foreach (var r in ratings)
            {
                id.Value = r.StudentId;
                skill.Value = r.Skill;
                rating.Value = r.Rating;
                ratedAt.Value = SqliteDatabase.Timestamp(r.RatedAt);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "writing teacher ratings");
        }
    }

    private async Task<List<string>> ListPageAsync(StudentSelection selection, string? after, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            var (with, condition) = SqliteSelectionSql.Build(selection, command);
            var lower = "";
            if (after is not null)
            {
                command.Parameters.AddWithValue("$after", after);
                lower = "f.student_id > $after AND ";
            }

            command.CommandText = $"{with}SELECT f.student_id FROM student_features f WHERE {lower}{condition} ORDER BY f.student_id LIMIT {ListPage.ToString(CultureInfo.InvariantCulture)}";
            var ids = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "listing students");
        }
    }

    private static async Task<IReadOnlyList<StudentFeatures>> ReadAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var result = new List<StudentFeatures>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var linguisticOk = FeatureJson.TryParse(reader.GetString(1), out var linguistic, out var linguisticError);
            var behavioralOk = FeatureJson.TryParse(reader.GetString(2), out var behavioral, out var behavioralError);
            result.Add(new StudentFeatures(reader.GetString(0), linguistic, behavioral, SqliteDatabase.ParseTimestamp(reader.GetString(3)))
            {
                ReadError = !linguisticOk ? $"the linguistic group {linguisticError}" : !behavioralOk ? $"the behavioral group {behavioralError}" : null,
            });
        }

        return result;
    }
}
