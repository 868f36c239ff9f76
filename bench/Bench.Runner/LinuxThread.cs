using System.Globalization;
using System.Runtime.InteropServices;

namespace Bench.Runner;

/// <summary>
/// The few Linux calls the open-loop generator needs that .NET does not offer: a nice value per thread (Linux keeps
/// one per thread, and <see cref="System.Diagnostics.Process.PriorityClass"/> sets only the main thread's),
/// real-time scheduling for one thread, a timer slack of 1 µs, and a sleep shorter than a millisecond
/// (<see cref="Thread.Sleep(TimeSpan)"/> rounds to whole milliseconds).
/// </summary>
public static class LinuxThread
{
    private const int PrioProcess = 0;
    private const int PrSetTimerSlack = 29;
    private const int SchedFifo = 1;

    /// <summary>Gives every thread of this process <paramref name="nice"/>; false when not allowed (it needs CAP_SYS_NICE).</summary>
    public static bool SetNiceOfAllThreads(int nice)
    {
        var all = true;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid))
            {
                // On Linux, PRIO_PROCESS with a thread id sets that one thread.
                all &= setpriority(PrioProcess, tid, nice) == 0;
            }
        }

        return all;
    }

    /// <summary>
    /// The calling thread: real-time scheduling (SCHED_FIFO at the lowest real-time priority) where allowed, so it
    /// runs the moment its sleep ends whatever else is runnable (a nice value only weighs it against other
    /// processes of its own cgroup); else <paramref name="nice"/>. Its timers fire within 1 µs of their time
    /// instead of the default 50 µs. Returns how it will be scheduled, for the report.
    /// </summary>
    public static string Prepare(int nice)
    {
        _ = prctl(PrSetTimerSlack, 1, 0, 0, 0);
        var priority = 1;
        if (sched_setscheduler(0, SchedFifo, ref priority) == 0)
        {
            return "real-time (SCHED_FIFO 1)";
        }

        return setpriority(PrioProcess, 0, nice) == 0 ? $"nice {nice}" : $"nice {Nice()} (it could not be raised)";
    }

    /// <summary>The calling thread's nice value.</summary>
    public static int Nice() => NiceIn("/proc/thread-self/stat");

    /// <summary>The process's nice value (its main thread's).</summary>
    public static int ProcessNice() => NiceIn("/proc/self/stat");

    /// <summary>Field 19 of a /proc stat file.</summary>
    private static int NiceIn(string statFile)
    {
        var stat = File.ReadAllText(statFile);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], CultureInfo.InvariantCulture);
    }

    /// <summary>Sleeps for <paramref name="nanoseconds"/> (plus the kernel's wake-up latency, tens of µs).</summary>
    public static void Sleep(long nanoseconds)
    {
        var request = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        _ = nanosleep(ref request, IntPtr.Zero);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc")]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc")]
    private static extern int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [DllImport("libc")]
    private static extern int sched_setscheduler(int pid, int policy, ref int priority);

    [DllImport("libc")]
    private static extern int nanosleep(ref Timespec request, IntPtr remaining);
}
