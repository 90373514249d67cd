fn main() -> std::process::ExitCode {
    postcal::cmd::main()
}
