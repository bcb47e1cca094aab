package io.fester.session;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** What went wrong with a file, in words (Java names the file and the exception, not the reason). */
public final class FileErrors {
    private FileErrors() {}

    public static String reason(FileSystemException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory (or it cannot be created there)";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "a directory that is not empty";
        }
        String r = e.getReason();
        return r == null || r.isBlank() ? "cannot be used" : r.substring(0, 1).toLowerCase(java.util.Locale.ROOT)
                + r.substring(1);
    }
}
