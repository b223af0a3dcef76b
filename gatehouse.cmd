@echo off
rem Gatehouse launcher for Windows: the same commands as ./gatehouse, with a simpler JDK search
rem (JAVA_HOME, else java on PATH). The jar itself says so, and exits 3, on a JDK older than 21.
rem   gatehouse [command] [options]    builds target\gatehouse.jar when missing or older than the sources, then runs it
rem   gatehouse test [maven options]   mvnw verify
setlocal
set "HERE=%~dp0"
set "JAR=%HERE%target\gatehouse.jar"
if defined JAVA_HOME (set "JAVA=%JAVA_HOME%\bin\java.exe") else (set "JAVA=java")

if /i "%~1"=="test" (
  call "%HERE%mvnw.cmd" verify %2 %3 %4 %5 %6 %7 %8 %9
  exit /b %errorlevel%
)

set "STALE="
if not exist "%JAR%" set "STALE=1"
if not defined STALE (
  powershell -NoProfile -Command "$j=(Get-Item '%JAR%').LastWriteTime; if (Get-ChildItem -Recurse '%HERE%src','%HERE%supabase','%HERE%pom.xml','%HERE%.mvn' | Where-Object { $_.LastWriteTime -gt $j } | Select-Object -First 1) { exit 1 }"
  if errorlevel 1 set "STALE=1"
)
if defined STALE (
  echo Building target\gatehouse.jar ^(the first build downloads Maven and the dependencies^)... 1>&2
  pushd "%HERE%"
  call mvnw.cmd -B -Dmaven.test.skip=true package || (popd & exit /b 1)
  popd
)
"%JAVA%" -jar "%JAR%" %*
exit /b %errorlevel%
