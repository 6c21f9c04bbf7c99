//! Standalone contender: see `uring_bench::args` for the command line.

fn main() -> std::process::ExitCode {
    uring_bench::args::main(uring_bench::Impl::SafeDispatch)
}
