namespace SkillInference.Benchmarks.Http;

/// <summary>What happens at one moment of the simulated day.</summary>
internal enum ReplayEventKind
{
    /// <summary>A client asks one skill of one student (its dashboard loads or refreshes).</summary>
    Request,

    /// <summary>The student's features are recomputed: later requests send the new ones, and ingestion invalidates the cache.</summary>
    FeatureUpdate,

    /// <summary>An operator deploys the retrained version of one skill.</summary>
    Deploy,
}

internal readonly record struct ReplayEvent(double Time, ReplayEventKind Kind, int Student, int Skill, int Host);

/// <summary>
/// A day of traffic, deterministic for a seed: students' popularity follows a Zipf law (rank r gets weight
/// 1 / r^<see cref="ZipfExponent"/>); a visit (a teacher or the student opening a dashboard) at a uniformly random time
/// asks all seven skills, and is refreshed 0 or more times (geometric, mean 1) within the next 30 s to 15 min; a few
/// percent of students get new features once, at a random time; the deploy is at noon. Each request goes to one of the
/// hosts at random, as a load balancer would spread them.
/// </summary>
internal sealed class ReplayWorkload
{
    public const double Day = 86_400;
    public const double ZipfExponent = 0.9;
    public const double UpdateShare = 0.03;

    private ReplayWorkload(ReplayEvent[] events, int students, int visits, int updates)
    {
        Events = events;
        Students = students;
        Visits = visits;
        Updates = updates;
    }

    public ReplayEvent[] Events { get; }

    public int Students { get; }

    public int Visits { get; }

    public int Updates { get; }

    public int Requests => Events.Count(e => e.Kind == ReplayEventKind.Request);

    public static ReplayWorkload Build(int students, int visits, int skills, int hosts, int seed)
    {
        var random = new Random(seed);
        var rank = Enumerable.Range(1, students).ToArray();
        random.Shuffle(rank);
        var weights = rank.Select(r => 1 / Math.Pow(r, ZipfExponent)).ToArray();
        var cumulative = new double[students];
        var sum = 0.0;
        for (var s = 0; s < students; s++)
        {
            sum += weights[s];
            cumulative[s] = sum;
        }

        var events = new List<ReplayEvent>();
        for (var v = 0; v < visits; v++)
        {
            var found = Array.BinarySearch(cumulative, random.NextDouble() * sum);
            var student = Math.Min(students - 1, found < 0 ? ~found : found);
            var time = random.NextDouble() * Day;
            AddVisit(events, random, time, student, skills, hosts);
            while (random.NextDouble() < 0.5)
            {
                time += 30 + (random.NextDouble() * 870);
                AddVisit(events, random, time, student, skills, hosts);
            }
        }

        var updated = Enumerable.Range(0, students).OrderBy(_ => random.Next()).Take((int)Math.Round(students * UpdateShare)).ToArray();
        foreach (var s in updated)
        {
            events.Add(new ReplayEvent(random.NextDouble() * Day, ReplayEventKind.FeatureUpdate, s, -1, random.Next(hosts)));
        }

        events.Add(new ReplayEvent(Day / 2, ReplayEventKind.Deploy, -1, -1, -1));
        return new ReplayWorkload([.. events.Where(e => e.Time < Day).OrderBy(e => e.Time)], students, visits, updated.Length);
    }

    private static void AddVisit(List<ReplayEvent> events, Random random, double time, int student, int skills, int hosts)
    {
        // The page's seven calls leave within a fraction of a second of each other.
        for (var k = 0; k < skills; k++)
        {
            events.Add(new ReplayEvent(time + (random.NextDouble() * 0.5), ReplayEventKind.Request, student, k, random.Next(hosts)));
        }
    }
}
